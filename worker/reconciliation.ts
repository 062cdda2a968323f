/**
 * What the worker needs for the yearly reconciliation: its activities' dependencies (the runtime
 * plus a Temporal client, because a death found starts a deletion case through fileSystemCase)
 * and the yearly Schedule, created or updated at start.
 */
import type { Client } from '@temporalio/client';
import type { ReconciliationDeps } from '../activities/reconciliation';
import type { Runtime } from '../activities/runtime';
import { fileSystemCase } from '../api/cases/system-intake';
import { caseSettingsFrom } from '../api/services';
import type { Config } from '../common/config';

export { ensureReconciliationSchedule } from '../api/reconciliation/service';

export function reconciliationDeps(runtime: Runtime, temporal: Client, config: Config, taskQueue = config.TEMPORAL_TASK_QUEUE): ReconciliationDeps {
  const caseDeps = { db: runtime.db, audit: runtime.audit, temporal, taskQueue, caseSettings: caseSettingsFrom(config) };
  return {
    db: runtime.db, audit: runtime.audit, vault: runtime.vault, juki: runtime.juki, chukan: runtime.chukan, queues: runtime.queues,
    fileCase: (input) => fileSystemCase(caseDeps, input),
    caseStartsPerSecond: config.RECONCILIATION_CASE_STARTS_PER_SECOND,
    followUpConcurrency: 4,
  };
}
