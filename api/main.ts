/**
 * The API process. On SIGTERM/SIGINT it stops accepting connections, lets requests in flight
 * finish, then closes its pools; a request is either answered or never started.
 */
import { loadConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { createQueues } from '../common/queues';
import { connectClient } from '../common/temporal';
import { createSequelize } from '../db/connection';
import { drainStarts } from './cases/start-workflow';
import { createApp } from './app';
import { createApiServices } from './services';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = createSequelize(config.DATABASE_URL, config.DB_POOL_MAX);
  const queues = createQueues(config.REDIS_URL);
  const temporal = await connectClient(config);
  const services = createApiServices(config, db, logger);
  const app = createApp({ config, logger, db, queues, temporal, services });
  const server = app.listen(config.PORT, config.API_HOST, () => {
    logger.info({ url: `http://${config.API_HOST}:${config.PORT}` }, 'api listening');
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'api shutting down');
    server.close(async () => {
      await drainStarts(); // intake's workflow starts still under way
      await Promise.allSettled([services.close(), queues.close(), db.close(), temporal.connection.close()]);
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(`api: ${err.message}\n`);
  process.exit(1);
});
