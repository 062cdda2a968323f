/**
 * What the reconciliation workflow asks of the outside world: one input and one result object
 * per activity. Results carry IDs, counts and batch references only — never a My Number, a name,
 * an address or a 本籍: the comparison happens inside the activities, against the database.
 */
import type { ReconciliationProgress, ReconciliationStatus } from '../workflows/reconciliation/model';

export interface StartRunInput { runId: string; trigger: 'schedule' | 'manual'; startedBy: string }
export interface StartRunResult { total: number }

export interface SubmitPageInput { runId: string; pageNo: number; afterId: string; pageSize: number }
/** `registrants` 0 → the file is exhausted. */
export interface SubmitPageResult { registrants: number; lastId: string; batchId: string | null; readyAt: string }

export interface PageRef { runId: string; pageNo: number }
export type CollectPageResult = { status: 'pending'; readyAt: string } | { status: 'collected'; findings: number };

export interface FinishRunInput { runId: string; status: Exclude<ReconciliationStatus, 'running'> }

export interface ReconciliationActivities {
  startReconciliationRun(input: StartRunInput): Promise<StartRunResult>;
  submitReconciliationPage(input: SubmitPageInput): Promise<SubmitPageResult>;
  collectReconciliationPage(input: PageRef): Promise<CollectPageResult>;
  /** Starts the follow-ups of a page's findings (throttled), marks the page done, returns its counts. */
  applyReconciliationPage(input: PageRef): Promise<ReconciliationProgress>;
  finishReconciliationRun(input: FinishRunInput): Promise<ReconciliationProgress>;
}
