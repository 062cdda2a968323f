/**
 * A worker in a process of its own, for the kill-and-resume test: the same activities and
 * workflows as worker/main.ts on the task queue given in TEMPORAL_TASK_QUEUE, without the
 * schedule and the housekeeping. Prints "ready" once it polls; the test SIGKILLs it mid-run.
 *   tsx tests/reconciliation/worker-process.ts
 */
import { createRuntime } from '../../activities/runtime';
import { loadConfigOrExit } from '../../common/config';
import { createLogger } from '../../common/logger';
import { connectClient, installTemporalRuntime } from '../../common/temporal';
import { createWorker } from '../../worker/create-worker';
import { startJobConsumers } from '../../worker/jobs';
import { reconciliationDeps } from '../../worker/reconciliation';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('kill-test-worker', 'error');
  installTemporalRuntime(logger);
  const runtime = createRuntime(config, { logger });
  const jobs = startJobConsumers({ db: runtime.db, queues: runtime.queues, documents: runtime.documents, logger,
    smtpUrl: config.SMTP_URL, mailFrom: config.MAIL_FROM, printSpoolDir: config.PRINT_SPOOL_DIR });
  const temporal = await connectClient(config);
  const { worker, connection } = await createWorker({ config, deps: { db: runtime.db, queues: runtime.queues, cases: runtime,
    reconciliation: reconciliationDeps(runtime, temporal, config) } });
  const running = worker.run();
  process.stdout.write('ready\n');
  try {
    await running;
  } finally {
    await Promise.allSettled([jobs.close(), runtime.close(), connection.close(), temporal.connection.close()]);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`kill-test worker: ${err.message}\n`);
  process.exit(1);
});
