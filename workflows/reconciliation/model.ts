/**
 * The vocabulary of the yearly reconciliation (定期照合, R1.2, R6.2), shared by the API, the
 * activities and the workflow (types and pure functions only: safe in the workflow sandbox).
 * Nothing here carries personal data: registrants are named by 資格仮名ID, changes by kind.
 */
import type { Duration } from '@temporalio/common';

export type FindingKind = 'death' | 'move' | 'name_change' | 'honseki_change';

export interface FindingCounts {
  deaths: number;
  moves: number;
  nameChanges: number;
  honsekiChanges: number;
}

export interface ReconciliationSettings {
  /** Registrants per keyset page (one 住基ネット batch file). */
  pageSize: number;
  /** Pages between continue-as-new (keeps the history far below Temporal's limits). */
  pagesPerRun: number;
  /** Pages whose batches are in flight at once (the remote answers each batch after a delay). */
  pagesInFlight: number;
  /** First wait before collecting a batch, and between polls while it is pending. */
  pollInterval: Duration;
}

export const DEFAULT_SETTINGS: ReconciliationSettings = { pageSize: 5000, pagesPerRun: 50, pagesInFlight: 4, pollInterval: '2 seconds' };

export interface ReconciliationProgress extends FindingCounts {
  processed: number;
  skipped: number;
  casesStarted: number;
}

export interface ReconciliationState {
  /** Pages handed out so far (the next page number). */
  nextPage: number;
  /** Last registrant of the last page handed out ('' before the first). */
  cursor: string;
  total: number;
  progress: ReconciliationProgress;
  /** How many continue-as-new generations came before this one. */
  generation: number;
}

export interface ReconciliationInput {
  runId: string;
  trigger: 'schedule' | 'manual';
  startedBy: string;
  settings?: Partial<ReconciliationSettings>;
  /** Present after continue-as-new. */
  state?: ReconciliationState;
}

export type ReconciliationStatus = 'running' | 'completed' | 'failed';

export interface ReconciliationView extends ReconciliationState {
  runId: string;
  status: ReconciliationStatus;
}

export const EMPTY_PROGRESS: ReconciliationProgress = {
  processed: 0, skipped: 0, deaths: 0, moves: 0, nameChanges: 0, honsekiChanges: 0, casesStarted: 0,
};

export function addProgress(a: ReconciliationProgress, b: ReconciliationProgress): ReconciliationProgress {
  return {
    processed: a.processed + b.processed, skipped: a.skipped + b.skipped, deaths: a.deaths + b.deaths, moves: a.moves + b.moves,
    nameChanges: a.nameChanges + b.nameChanges, honsekiChanges: a.honsekiChanges + b.honsekiChanges, casesStarted: a.casesStarted + b.casesStarted,
  };
}

/** Workflow ID of a run: from the business ID, never personal data. */
export const reconciliationWorkflowId = (runId: string) => `reconciliation-${runId}`;
