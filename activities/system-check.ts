import type { Sequelize } from 'sequelize';
import type { Queues } from '../common/queues';

export interface RecordSystemCheckInput {
  checkId: string;
  workflowId: string;
  note: string;
}

export function createSystemCheckActivities(deps: { db: Sequelize; queues: Queues }) {
  return {
    /** Idempotent: a retried attempt finds its row and leaves it as it is. */
    async recordSystemCheck(input: RecordSystemCheckInput): Promise<void> {
      await deps.db.query(
        'INSERT IGNORE INTO system_checks (check_id, workflow_id, note, created_at) VALUES (?, ?, ?, ?)',
        { replacements: [input.checkId, input.workflowId, input.note.slice(0, 200), new Date()] },
      );
    },
    /** The job ID is derived from the check, so a retried attempt does not add a second job. */
    async enqueueSystemJob(input: { checkId: string }): Promise<{ jobId: string }> {
      const jobId = `system-check-${input.checkId}`;
      await deps.queues.system.add({ kind: 'system-check', checkId: input.checkId }, { jobId });
      return { jobId };
    },
  };
}
