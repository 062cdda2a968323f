/**
 * A case-workflow worker with the harness's mocked activities in a process of its own, for the
 * crash tests: its createPayment prints `payment <id>` and never returns, so the test can SIGKILL
 * the process while the workflow task that created the payment is still open.
 *   tsx tests/workflows/crash-worker.ts <taskQueue>
 */
import { NativeConnection } from '@temporalio/worker';
import { config } from '../helpers/env';
import { bundleCaseWorkflows, createCaseWorker, mockActivities } from './case-harness';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue) throw new Error('usage: crash-worker.ts <taskQueue>');
  const code = await bundleCaseWorkflows();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const activities = mockActivities({}, []);
  activities.createPayment = async (i) => {
    process.stdout.write(`payment ${i.paymentId}\n`);
    return new Promise(() => undefined); // until the test kills this process
  };
  const worker = await createCaseWorker(connection, code, taskQueue, activities);
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
