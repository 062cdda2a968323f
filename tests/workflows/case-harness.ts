/**
 * Runs the case workflow on the real Temporal dev server with mocked activities on a private task
 * queue, and records what the activities were asked to do.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CaseActivities, NotifyInput, RecordStatusInput, StatusSteps } from '../../activities/case-contract';
import type { CheckFindings, CaseWorkflowInput } from '../../workflows/case/model';
import { caseWorkflow } from '../../workflows';
import { caseStartSearchAttributes } from '../../workflows/case/search-attributes';
import { connectClient } from '../../common/temporal';
import { FAILURE_CONVERTER_PATH, temporalDataConverter } from '../../common/temporal-codec';
import { config } from '../helpers/env';

export interface Script {
  identity?: CheckFindings['identity'];
  honseki?: CheckFindings['honseki'][];
  reviewDueInMs?: number;
  registerDelayMs?: number;
  /**
   * Makes registerRegistrant fail with an ApplicationFailure of this type: a refusal
   * (`nonRetryable`) or an outage; `times` limits it to the first attempts (default: every one).
   */
  registerFails?: { type: string; nonRetryable: boolean; times?: number };
  /** Slows notifyApplicant for one kind, so a test can act while the workflow waits on it. */
  notifyDelayMs?: Record<string, number>;
  /** Slows settlePayment for one outcome. */
  settleDelayMs?: Record<string, number>;
  /** Slows produceLicense (a local activity since 'local-checks': the workflow task stays open meanwhile). */
  produceDelayMs?: number;
  /** Makes the remote checks fail as an outage (retryable) on their first N attempts. */
  remoteFails?: Partial<Record<'verifyIdentity' | 'checkHonseki', number>>;
  /** Holds a call until the test opens the gate; keys `notifyApplicant:<kind>`, `settlePayment:<outcome>`, `openReviewTask`, `createPayment`. */
  gates?: Record<string, Gate>;
}

/** A test-controlled pause inside a mocked activity. */
export class Gate {
  private arrive!: () => void;
  private open!: () => void;
  /** Resolves when the activity has reached the gate. */
  readonly reached = new Promise<void>((r) => { this.arrive = r; });
  private readonly opened = new Promise<void>((r) => { this.open = r; });
  async pass(): Promise<void> {
    this.arrive();
    await this.opened;
  }
  release(): void {
    this.open();
  }
}

export interface Calls { name: keyof CaseActivities; input: unknown }

export function mockActivities(script: Script, calls: Calls[]): CaseActivities {
  let honsekiCall = 0;
  const attempts: Record<string, number> = {};
  const outage = (name: 'verifyIdentity' | 'checkHonseki') => {
    attempts[name] = (attempts[name] ?? 0) + 1;
    if (attempts[name] <= (script.remoteFails?.[name] ?? 0)) {
      throw ApplicationFailure.create({ type: `${name === 'verifyIdentity' ? 'juki' : 'chukan'}.UNAVAILABLE`, message: 'scripted outage' });
    }
  };
  let registerCall = 0;
  const paidPayments = new Set<string>();
  const notifyImpl = async (i: NotifyInput) => {
    await script.gates?.[`notifyApplicant:${i.kind}`]?.pass();
    await new Promise((r) => setTimeout(r, script.notifyDelayMs?.[i.kind] ?? 0));
  };
  const notify = async (i: NotifyInput) => {
    calls.push({ name: 'notifyApplicant', input: i });
    await notifyImpl(i);
  };
  // A status change may carry its notice (PATCH_FEWER_TASKS): recorded as the notice it sends, as the real one does.
  const recordStatus = async (i: RecordStatusInput) => {
    calls.push({ name: 'recordStatus', input: i });
    if (i.notify) await notify({ caseId: i.caseId, ...i.notify });
  };
  // The steps an activity does around its work (PATCH_FEWER_STEPS, PATCH_FUSED_STEPS) are recorded
  // as the calls they stand for, in their order (a review decision, a payment, status changes, a
  // print job); the activity's own input without them.
  const rec = <K extends keyof CaseActivities>(name: K, impl: CaseActivities[K]): CaseActivities[K] =>
    (async (input: never) => {
      const { task, settle, before, after, print, ...own } = input as StatusSteps & { caseId: string; print?: boolean };
      if (task) await acts.updateReviewTask(task);
      if (settle) await acts.settlePayment(settle);
      for (const c of before ?? []) await recordStatus({ caseId: own.caseId, ...c });
      calls.push({ name, input: own });
      const result = await (impl as (i: never) => Promise<unknown>)(own as never);
      if (print) await acts.enqueuePrintJob({ caseId: own.caseId, documentId: (result as { documentId: string }).documentId });
      for (const c of after ?? []) await recordStatus({ caseId: own.caseId, ...c });
      return result;
    }) as CaseActivities[K];
  const acts: CaseActivities = {
    recordStatus,
    verifyIdentity: rec('verifyIdentity', async () => {
      outage('verifyIdentity');
      return script.identity ?? { outcome: 'match', discrepancies: [] };
    }),
    checkHonseki: rec('checkHonseki', async () => {
      outage('checkHonseki');
      return script.honseki?.[honsekiCall++] ?? { outcome: 'match' };
    }),
    checkEligibility: rec('checkEligibility', async () => ({ passerFound: true, passerMatches: true, returnOrderWithinYear: false, notes: [] })),
    openReviewTask: rec('openReviewTask', async () => {
      await script.gates?.openReviewTask?.pass();
      return { dueAt: new Date(Date.now() + (script.reviewDueInMs ?? 3_600_000)).toISOString() };
    }),
    updateReviewTask: rec('updateReviewTask', async () => undefined),
    createPayment: rec('createPayment', async (i) => {
      await script.gates?.createPayment?.pass();
      return { checkoutUrl: i.method === 'online' ? `http://pay.test/${i.paymentId}` : null };
    }),
    settlePayment: rec('settlePayment', async (i) => {
      // What a refund finds, as the real one reads it: a refund of a payment not yet recorded paid does nothing.
      if (i.outcome === 'refunded') (i as { found?: string }).found = paidPayments.has(i.paymentId) ? 'paid' : 'not_paid';
      await script.gates?.[`settlePayment:${i.outcome}`]?.pass();
      await new Promise((r) => setTimeout(r, script.settleDelayMs?.[i.outcome] ?? 0));
      if (i.outcome === 'paid') paidPayments.add(i.paymentId);
    }),
    registerRegistrant: rec('registerRegistrant', async () => {
      await new Promise((r) => setTimeout(r, script.registerDelayMs ?? 0));
      const fails = script.registerFails;
      if (fails && registerCall++ < (fails.times ?? Infinity)) {
        throw ApplicationFailure.create({ type: fails.type, message: `scripted ${fails.type}`, nonRetryable: fails.nonRetryable });
      }
      return { registrantId: 'r-1', licenseNumber: '000123' };
    }),
    produceLicense: rec('produceLicense', async () => {
      await new Promise((r) => setTimeout(r, script.produceDelayMs ?? 0));
      return { documentId: 'd-1', sha256: 'ab'.repeat(32) };
    }),
    enqueuePrintJob: rec('enqueuePrintJob', async () => undefined),
    notifyApplicant: rec('notifyApplicant', async (i) => notifyImpl(i)),
  };
  return acts;
}

export const settings: CaseWorkflowInput['settings'] = {
  reviewDueBusinessDays: 10, paymentExpiry: '1 hour', correctionExpiry: '1 hour', fee: 2300,
};

/**
 * A short workflow task timeout makes the worker heartbeat a task whose local activity runs long
 * (at 80 % of it), and deliver the messages that arrived meanwhile: a handler then runs while the
 * activity is still in flight.
 */
export interface StartTweaks { workflowTaskTimeout?: Duration }

export class CaseHarness {
  client!: Client;
  private connection!: NativeConnection;
  private code!: string;
  /** The private task queue (tests/workflows/crash-worker.ts serves it too). */
  readonly taskQueue = `case-test-${randomUUID()}`;

  async start(): Promise<void> {
    this.client = await connectClient(config);
    this.connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    this.code = await bundleCaseWorkflows();
  }

  async close(): Promise<void> {
    await this.client.connection.close();
    await this.connection.close();
  }

  /** Starts a case workflow on the private task queue, as api/cases/start-workflow.ts starts every case. */
  startCase(i: Partial<CaseWorkflowInput> = {}, o: StartTweaks = {}): Promise<WorkflowHandle<typeof caseWorkflow>> {
    const caseId = randomUUID();
    return this.client.workflow.start(caseWorkflow, {
      taskQueue: this.taskQueue, workflowId: `case-${caseId}`, workflowExecutionTimeout: '2 minutes',
      args: [{ caseId, type: 'registration', channel: 'mynaportal', paymentMethod: 'online', settings, ...i }],
      typedSearchAttributes: caseStartSearchAttributes(i.type ?? 'registration', i.channel ?? 'mynaportal'),
      ...o,
    });
  }

  /** Runs `body` while a worker with the scripted activities serves the private task queue. */
  async run<T>(script: Script, body: (h: { start: (i?: Partial<CaseWorkflowInput>, o?: StartTweaks) => Promise<WorkflowHandle<typeof caseWorkflow>>; calls: Calls[] }) => Promise<T>): Promise<T> {
    const calls: Calls[] = [];
    const worker = await createCaseWorker(this.connection, this.code, this.taskQueue, mockActivities(script, calls));
    const start = (i: Partial<CaseWorkflowInput> = {}, o: StartTweaks = {}) => this.startCase(i, o);
    return worker.runUntil(body({ start, calls }));
  }
}

/** The workflows bundled as the harness's workers run them (also tests/workflows/crash-worker.ts). */
export async function bundleCaseWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quiet,
    failureConverterPath: FAILURE_CONVERTER_PATH });
  return code;
}

/** A worker for the case workflow on `taskQueue` with the given (mocked) activities. */
export function createCaseWorker(connection: NativeConnection, code: string, taskQueue: string, activities: CaseActivities): Promise<Worker> {
  return Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, workflowBundle: { code }, activities,
    dataConverter: temporalDataConverter(config) });
}

/** Waits until the workflow reports `status` (queries are cheap; the dev server is local). */
export async function waitForStatus(h: WorkflowHandle<typeof caseWorkflow>, status: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await h.query('caseState');
    if ((s as { status: string }).status === status) return s as import('../../workflows/case/model').CaseState;
    if (Date.now() > until) throw new Error(`status stayed ${(s as { status: string }).status}, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const HISTORY_DIR = path.join(__dirname, 'histories');

/** With RECORD_HISTORIES=1, keeps the run's history for the replay tests. */
export async function maybeRecordHistory(h: WorkflowHandle, scenario: string, version = 'v1'): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await mkdir(HISTORY_DIR, { recursive: true });
  await promisify(execFile)('npx', ['tsx', 'scripts/histories.ts', 'export', h.workflowId,
    path.join(HISTORY_DIR, `case-${scenario}-${version}.json`)], { cwd: path.resolve(__dirname, '../..') });
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;
