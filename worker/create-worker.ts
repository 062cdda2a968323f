import { NativeConnection, Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../common/config';
import { temporalDataConverter } from '../common/temporal-codec';

export interface WorkerOptions {
  config: Config;
  deps: ActivityDeps;
  taskQueue?: string;
  connection?: NativeConnection;
  /** Activity interceptors (the reconciliation benchmark times activities with one). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/** A worker for every workflow and activity; a prebuilt bundle in production, the sources otherwise. */
export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { config } = opts;
  const connection = opts.connection ?? (await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }));
  const code = config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: opts.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    activities: createActivities(opts.deps),
    // Encrypted payloads and failures (issue #5); a prebuilt bundle carries the failure converter itself.
    dataConverter: temporalDataConverter(config),
    ...code,
    ...(opts.activityInterceptors ? { interceptors: { activity: opts.activityInterceptors } } : {}),
    shutdownGraceTime: '30 seconds',
  });
  return { worker, connection };
}
