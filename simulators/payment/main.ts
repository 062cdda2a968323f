/**
 * Runs the payment gateway simulator.
 *   tsx simulators/payment/main.ts [--port 3103 | --url http://127.0.0.1:3103] [--host 127.0.0.1]
 *     [--webhook-secret SECRET] [--public-base-url http://127.0.0.1:3103]
 *     [--webhook-max-attempts 8] [--webhook-base-delay-ms 1000] [--fault-seed N] [--log-level info]
 * The secret must equal the one the API verifies webhooks with; the development default below
 * is for local runs only.
 */
import { createLogger } from '../../common/logger';
import { intArg, listenArgs, parseArgs, runMain, stringArg } from '../common/args';
import { startServer } from '../common/http';
import { createPaymentSimulator } from './app';

const DEV_SECRET = 'dev-payment-webhook-secret';

const args = parseArgs(process.argv.slice(2));
const { port, host } = listenArgs(args, 3103);
const logger = createLogger('payment-sim', stringArg(args, 'log-level', 'info'));
const webhookSecret = stringArg(args, 'webhook-secret', DEV_SECRET);
if (webhookSecret === DEV_SECRET) logger.warn('using the development webhook secret');
const publicBaseUrl = args.get('public-base-url');
const app = createPaymentSimulator({
  webhookSecret,
  publicBaseUrl: typeof publicBaseUrl === 'string' ? publicBaseUrl : undefined,
  webhook: { maxAttempts: intArg(args, 'webhook-max-attempts', 8), baseDelayMs: intArg(args, 'webhook-base-delay-ms', 1000) },
  faultSeed: args.has('fault-seed') ? intArg(args, 'fault-seed', 1) : undefined,
  logger,
});

void runMain('payment gateway simulator', () => startServer(app, port, host), () => app.stop());
