/**
 * Smoke: a workflow on the real Temporal dev server runs activities that write to MariaDB and put
 * a Bull job on Redis.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createQueues } from '../../common/queues';
import { connectClient } from '../../common/temporal';
import { createWorker } from '../../worker/create-worker';
import { systemCheckWorkflow } from '../../workflows';
import { appDb, config } from '../helpers/env';

describe('smoke: Temporal → activity → MariaDB and Redis', () => {
  const db = appDb();
  const queues = createQueues(config.REDIS_URL);
  const taskQueue = `smoke-${randomUUID()}`;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;

  beforeAll(async () => {
    ({ worker } = await createWorker({ config, deps: { db, queues }, taskQueue }));
    running = worker.run();
    client = await connectClient(config);
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await client.connection.close();
    await queues.close();
    await db.close();
  });

  it('when the self-check workflow runs, then its row is in the database and its job in Redis', async () => {
    const checkId = randomUUID();
    const result = await client.workflow.execute(systemCheckWorkflow, {
      taskQueue, workflowId: `system-check-${checkId}`, args: [{ checkId, note: 'smoke test' }],
      workflowExecutionTimeout: '1 minute',
    });
    expect(result.checkId).toBe(checkId);

    const rows = await db.query<{ workflow_id: string }>('SELECT workflow_id FROM system_checks WHERE check_id = ?',
      { replacements: [checkId], type: QueryTypes.SELECT });
    expect(rows).toEqual([{ workflow_id: `system-check-${checkId}` }]);

    const job = await queues.system.getJob(result.jobId);
    expect(job?.data).toEqual({ kind: 'system-check', checkId });
    expect(await queues.system.client.exists(`kyusui:system:${result.jobId}`)).toBe(1);
  });
});
