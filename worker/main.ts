/**
 * The worker process: runs workflow tasks, activities and the Bull consumers (mail, print). On
 * SIGTERM/SIGINT the SDK stops polling, lets running activities finish (shutdownGraceTime), and
 * only then are the pools closed, so no work is lost: anything unfinished is retried by Temporal
 * on another worker, and Bull jobs in flight return to their queue.
 */
import { loadConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { connectClient, installTemporalRuntime } from '../common/temporal';
import { createRuntime } from '../activities/runtime';
import { createWorker } from './create-worker';
import { startJobConsumers } from './jobs';
import { startAuditHousekeeping } from './audit-housekeeping';
import { startInquiryPurge } from './inquiry-purge';
import { ensureReconciliationSchedule, reconciliationDeps } from './reconciliation';
import { startCaseStarter } from './case-starter';
import { caseSettingsFrom } from '../api/services';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('worker', config.LOG_LEVEL);
  installTemporalRuntime(logger);
  const runtime = createRuntime(config, { logger });
  const jobs = startJobConsumers({ db: runtime.db, queues: runtime.queues, documents: runtime.documents, logger,
    smtpUrl: config.SMTP_URL, mailFrom: config.MAIL_FROM, printSpoolDir: config.PRINT_SPOOL_DIR });
  const temporal = await connectClient(config); // for the cases the reconciliation files (one client per process)
  logger.info({ schedule: await ensureReconciliationSchedule(temporal, config) }, 'reconciliation schedule');
  const { worker, connection } = await createWorker({ config, deps: { db: runtime.db, queues: runtime.queues, cases: runtime,
    reconciliation: reconciliationDeps(runtime, temporal, config) } });
  const housekeeping = startAuditHousekeeping(config, runtime.db, logger); // audit checkpoints and analysis (R6.7)
  const purge = startInquiryPurge(config, runtime.db, logger); // inquiry results past their retention (R4.6)
  const starter = startCaseStarter(config, { db: runtime.db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE,
    caseSettings: caseSettingsFrom(config), logger }); // cases whose intake was interrupted before their workflow started
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  try {
    await worker.run(); // resolves after a shutdown signal once in-flight tasks have completed
  } finally {
    await Promise.all([housekeeping.stop(), purge.stop(), starter.stop()]);
    await Promise.allSettled([jobs.close(), runtime.close(), connection.close(), temporal.connection.close()]);
    logger.info('worker stopped');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`worker: ${err.message}\n`);
  process.exit(1);
});
