/**
 * The worker process: runs workflow tasks and activities. On SIGTERM/SIGINT the SDK stops polling,
 * lets running activities finish (shutdownGraceTime), and only then are the pools closed, so no
 * work is lost: anything unfinished is retried by Temporal on another worker.
 */
import { loadConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { createQueues } from '../common/queues';
import { installTemporalRuntime } from '../common/temporal';
import { createSequelize } from '../db/connection';
import { createWorker } from './create-worker';
import { startAuditHousekeeping } from './audit-housekeeping';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('worker', config.LOG_LEVEL);
  installTemporalRuntime(logger);
  const db = createSequelize(config.DATABASE_URL, config.DB_POOL_MAX);
  const queues = createQueues(config.REDIS_URL);
  const { worker, connection } = await createWorker({ config, deps: { db, queues } });
  const housekeeping = startAuditHousekeeping(config, db, logger); // audit checkpoints and analysis (R6.7)
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  try {
    await worker.run(); // resolves after a shutdown signal once in-flight tasks have completed
  } finally {
    await housekeeping.stop();
    await Promise.allSettled([queues.close(), db.close(), connection.close()]);
    logger.info('worker stopped');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`worker: ${err.message}\n`);
  process.exit(1);
});
