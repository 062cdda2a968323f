/**
 * The system self-check (自己診断): a workflow that proves the whole path works: Temporal
 * schedules it, an activity writes to the database, another puts a job on Redis. Used by the
 * smoke test and by operators after a deployment (`npm run admin -- selfcheck`).
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';

const { recordSystemCheck, enqueueSystemJob } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

export interface SystemCheckInput {
  checkId: string;
  note: string;
}

export interface SystemCheckResult {
  checkId: string;
  jobId: string;
}

export async function systemCheckWorkflow(input: SystemCheckInput): Promise<SystemCheckResult> {
  const { workflowId } = workflowInfo();
  await recordSystemCheck({ checkId: input.checkId, workflowId, note: input.note });
  const { jobId } = await enqueueSystemJob({ checkId: input.checkId });
  return { checkId: input.checkId, jobId };
}
