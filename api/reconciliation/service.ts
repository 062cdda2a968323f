/**
 * Starting and reading yearly reconciliation runs (定期照合): by a supervisor through the API, or
 * by the Temporal Schedule that the worker creates at start. One run at a time: a second start
 * while one is running answers with the running one (409), because two runs would ask the same
 * registries the same questions twice.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Config } from '../../common/config';
import { reconciliationWorkflow } from '../../workflows';
import { reconciliationWorkflowId, type ReconciliationInput, type ReconciliationSettings } from '../../workflows/reconciliation/model';

export const RECONCILIATION_SCHEDULE_ID = 'reconciliation-yearly';

export function reconciliationSettings(config: Config): Partial<ReconciliationSettings> {
  return { pageSize: config.RECONCILIATION_PAGE_SIZE, pagesInFlight: config.RECONCILIATION_PAGES_IN_FLIGHT,
    pagesPerRun: config.RECONCILIATION_PAGES_PER_RUN };
}

export interface RunView {
  runId: string;
  status: string;
  processed: number;
  total: number;
  findings: { deaths: number; moves: number; nameChanges: number; honsekiChanges: number };
  casesStarted: number;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
}

interface RunRow {
  run_id: string; status: string; processed: number; total: number; deaths: number; moves: number; name_changes: number;
  honseki_changes: number; cases_started: number; trigger_kind: string; started_at: Date; finished_at: Date | null; workflow_id: string;
}

export async function readReconciliation(db: Sequelize, runId: string): Promise<RunView | undefined> {
  const [r] = await db.query<RunRow>('SELECT * FROM reconciliation_runs WHERE run_id = ?', { replacements: [runId], type: QueryTypes.SELECT });
  if (!r) return undefined;
  return {
    runId: r.run_id, status: r.status, processed: Number(r.processed), total: Number(r.total),
    findings: { deaths: Number(r.deaths), moves: Number(r.moves), nameChanges: Number(r.name_changes), honsekiChanges: Number(r.honseki_changes) },
    casesStarted: Number(r.cases_started), trigger: r.trigger_kind, startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  };
}

/** The run in progress, if its workflow is still running (a run row can outlive a terminated workflow). */
async function runningRun(deps: { db: Sequelize; temporal: Client }): Promise<string | undefined> {
  const rows = await deps.db.query<{ run_id: string; workflow_id: string }>(
    "SELECT run_id, workflow_id FROM reconciliation_runs WHERE status = 'running' ORDER BY started_at DESC LIMIT 5", { type: QueryTypes.SELECT });
  for (const r of rows) {
    try {
      const d = await deps.temporal.workflow.getHandle(r.workflow_id).describe();
      if (d.status.name === 'RUNNING') return r.run_id;
    } catch {
      /* not found: not running */
    }
  }
  return undefined;
}

export async function startReconciliation(deps: { db: Sequelize; temporal: Client; config: Config }, startedBy: string):
  Promise<{ runId: string; started: boolean }> {
  const running = await runningRun(deps);
  if (running) return { runId: running, started: false };
  const runId = randomUUID();
  const input: ReconciliationInput = { runId, trigger: 'manual', startedBy, settings: reconciliationSettings(deps.config) };
  await deps.temporal.workflow.start(reconciliationWorkflow, {
    workflowId: reconciliationWorkflowId(runId), taskQueue: deps.config.TEMPORAL_TASK_QUEUE, workflowIdReusePolicy: 'REJECT_DUPLICATE', args: [input],
  });
  return { runId, started: true };
}

/**
 * The yearly Schedule, created once (idempotent: an existing schedule is updated to the configured
 * cron and time zone). Overlap SKIP: a run still going when the next one is due is not doubled.
 */
export async function ensureReconciliationSchedule(client: Client, config: Config, taskQueue = config.TEMPORAL_TASK_QUEUE): Promise<'created' | 'updated'> {
  const spec = { cronExpressions: [config.RECONCILIATION_CRON], timezone: config.RECONCILIATION_TIMEZONE };
  const action = {
    type: 'startWorkflow' as const, workflowType: reconciliationWorkflow, taskQueue, workflowId: 'reconciliation-scheduled',
    args: [{ trigger: 'schedule' as const, startedBy: 'system:schedule', settings: reconciliationSettings(config) }] as [Partial<ReconciliationInput>],
  };
  try {
    await client.schedule.create({ scheduleId: RECONCILIATION_SCHEDULE_ID, spec, action, policies: { overlap: 'SKIP', catchupWindow: '7 days' } });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).update((prev) => ({ ...prev, spec, action }));
    return 'updated';
  }
}
