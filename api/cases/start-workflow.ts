/**
 * Starting a case's workflow, the one way every caller does it (intake, the system's own cases,
 * the worker's orphan starter): workflow ID `case-<caseId>`, REJECT_DUPLICATE, so a second start of
 * the same case — a retried request, a resumed reconciliation, the starter racing the API — is a
 * no-op instead of a second workflow.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { caseWorkflow } from '../../workflows';
import { caseStartSearchAttributes } from '../../workflows/case/search-attributes';
import type { CaseSettings, CaseType, Channel, PaymentMethod } from '../../workflows/case/model';

export interface CaseStart {
  caseId: string;
  type: CaseType;
  channel: Channel;
  paymentMethod: PaymentMethod;
}

/**
 * Starts still running in the background of this process (intake answers once the case is
 * committed, then starts its workflow: `startInBackground`). `drainStarts` waits for them at
 * shutdown; a start lost with the process is made by the worker's case starter.
 */
const pending = new Set<Promise<unknown>>();

export function startInBackground(start: () => Promise<unknown>, onError: (err: Error) => void): void {
  const p = start().catch(onError).finally(() => pending.delete(p));
  pending.add(p);
}

/** Waits for the background starts, at most `timeoutMs`. */
export async function drainStarts(timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...pending]), new Promise((r) => { timer = setTimeout(r, timeoutMs); })]);
  clearTimeout(timer);
}

/** Starts the workflow; false when it had already been started. */
export async function startCaseWorkflow(temporal: Client, taskQueue: string, settings: (type: CaseType) => CaseSettings,
  c: CaseStart): Promise<boolean> {
  try {
    await temporal.workflow.start(caseWorkflow, {
      workflowId: `case-${c.caseId}`,
      taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Filterable in the UI from the start; the workflow then upserts only what changes.
      typedSearchAttributes: caseStartSearchAttributes(c.type, c.channel),
      args: [{ caseId: c.caseId, type: c.type, channel: c.channel, paymentMethod: c.paymentMethod, settings: settings(c.type) }],
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
