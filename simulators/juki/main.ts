/**
 * Runs the 住基ネット simulator.
 *   tsx simulators/juki/main.ts [--port 3101 | --url http://127.0.0.1:3101] [--host 127.0.0.1]
 *     [--seed 1] [--size 1000] [--operating-hours] [--batch-delay-ms 2000]
 *     [--fault-seed N] [--log-level info]
 */
import { createLogger } from '../../common/logger';
import { flagArg, intArg, listenArgs, parseArgs, runMain, stringArg } from '../common/args';
import { startServer } from '../common/http';
import { createJukiSimulator } from './app';

const args = parseArgs(process.argv.slice(2));
const { port, host } = listenArgs(args, 3101);
const seed = stringArg(args, 'seed', '1');
const app = createJukiSimulator({
  seed: /^\d+$/.test(seed) ? Number(seed) : seed,
  size: intArg(args, 'size', 1000),
  operatingHours: flagArg(args, 'operating-hours'),
  batchDelayMs: intArg(args, 'batch-delay-ms', 2000),
  faultSeed: args.has('fault-seed') ? intArg(args, 'fault-seed', 1) : undefined,
  logger: createLogger('juki-sim', stringArg(args, 'log-level', 'info')),
});

// Build the 4-item search index before listening, so the first inquiry does not wait for it.
app.registry.warmUp();
void runMain('住基ネット simulator (juki)', () => startServer(app, port, host));
