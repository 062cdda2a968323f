/**
 * All activities, built from injected dependencies (house style: createActivities(deps)).
 * Workflows type their proxies with ReturnType<typeof createActivities> or the contract types.
 */
import type { Sequelize } from 'sequelize';
import type { Queues } from '../common/queues';
import { createCaseActivities, type CaseActivityDeps } from './case';
import { createDispositionActivities } from './dispositions';
import { createReconciliationActivities, type ReconciliationDeps } from './reconciliation';
import { createSystemCheckActivities } from './system-check';

export interface ActivityDeps {
  db: Sequelize;
  queues: Queues;
  /** Absent in tests that run the system-check workflow only. */
  cases?: CaseActivityDeps;
  /** The yearly reconciliation (issue #6); absent where no Temporal client is at hand. */
  reconciliation?: ReconciliationDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemCheckActivities(deps),
    ...(deps.cases ? createCaseActivities(deps.cases) : {}),
    ...(deps.cases ? createDispositionActivities(deps.cases) : {}),
    ...(deps.reconciliation ? createReconciliationActivities(deps.reconciliation) : {}),
  };
}
