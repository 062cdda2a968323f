/**
 * All activities, built from injected dependencies (house style: createActivities(deps)).
 * Workflows type their proxies with ReturnType<typeof createActivities>.
 */
import type { Sequelize } from 'sequelize';
import type { Queues } from '../common/queues';
import { createSystemCheckActivities } from './system-check';

export interface ActivityDeps {
  db: Sequelize;
  queues: Queues;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemCheckActivities(deps),
  };
}
