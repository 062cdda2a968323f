/**
 * Runs the 中間サーバー simulator.
 *   tsx simulators/chukan/main.ts [--port 3102 | --url http://127.0.0.1:3102] [--host 127.0.0.1]
 *     [--seed 1] [--size 1000]            (same as the 住基ネット simulator: same generated people)
 *     [--lawful-list list.json]           (照会許可用照合リスト: [{requester, business, item}, …])
 *     [--operating-hours] [--fault-seed N] [--log-level info]
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '../../common/logger';
import { flagArg, intArg, listenArgs, parseArgs, runMain, stringArg } from '../common/args';
import { startServer } from '../common/http';
import { createChukanSimulator, type LawfulInquiry } from './app';

const args = parseArgs(process.argv.slice(2));
const { port, host } = listenArgs(args, 3102);
const seed = stringArg(args, 'seed', '1');
const listPath = args.get('lawful-list');
const app = createChukanSimulator({
  population: { seed: /^\d+$/.test(seed) ? Number(seed) : seed, size: intArg(args, 'size', 1000) },
  lawfulInquiries: typeof listPath === 'string' ? (JSON.parse(readFileSync(listPath, 'utf8')) as LawfulInquiry[]) : undefined,
  operatingHours: flagArg(args, 'operating-hours'),
  faultSeed: args.has('fault-seed') ? intArg(args, 'fault-seed', 1) : undefined,
  logger: createLogger('chukan-sim', stringArg(args, 'log-level', 'info')),
});

void runMain('中間サーバー simulator (chukan)', () => startServer(app, port, host));
