/**
 * A case-workflow worker with the harness's mocked activities in a process of its own, for the
 * crash tests: its createPayment prints `payment <id>` and never returns, so the test can SIGKILL
 * the process while the workflow task that created the payment is still open.
 *   tsx tests/workflows/crash-worker.ts <taskQueue>
 */
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, temporalDataConverter } from '../../common/temporal-codec';
import { config } from '../helpers/env';
import { mockActivities } from './case-harness';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue) throw new Error('usage: crash-worker.ts <taskQueue>');
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: silent,
    failureConverterPath: FAILURE_CONVERTER_PATH });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const activities = mockActivities({}, []);
  activities.createPayment = async (i) => {
    process.stdout.write(`payment ${i.paymentId}\n`);
    return new Promise(() => undefined); // until the test kills this process
  };
  const worker = await Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue,
    workflowBundle: { code }, activities, dataConverter: temporalDataConverter(config) });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
