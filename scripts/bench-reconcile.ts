/**
 * Benchmark of the yearly reconciliation (npm run bench:reconcile; scripts/bench-reconcile.sh
 * brings its own services). Generates N registrants that match the simulators' deterministic
 * population (bulk INSERT of registrants and vault links, no per-row HTTP), scripts a few
 * changes, runs the reconciliation workflow with a worker in this process, and prints
 * registrants/s and the total time. A second run (institution codes already held) follows.
 * Each run is reported twice: end to end against the simulators, and "our own pipeline" — the
 * same run minus the time spent only waiting on the simulators (scripts/bench-reconcile-clock.ts).
 *   tsx scripts/bench-reconcile.ts --size 1000000 --seed 7
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { NativeConnection } from '@temporalio/worker';
import { createRuntime } from '../activities/runtime';
import { loadConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { connectClient, installTemporalRuntime } from '../common/temporal';
import { sqlTime } from '../db/connection';
import { generatedHonseki } from '../simulators/chukan/app';
import { Population } from '../simulators/juki/population';
import { reconciliationWorkflow } from '../workflows';
import { createWorker } from '../worker/create-worker';
import { reconciliationDeps } from '../worker/reconciliation';
import { PipelineClock } from './bench-reconcile-clock';
import { cpuReport, cpuSnapshot } from './bench-processes';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const out = (s: string) => process.stdout.write(`${s}\n`);
const runDir = process.env.RUN_DIR ?? '.run/bench-reconcile';
const sumCpu = (m: Map<string, number>) => [...m.values()].filter(Number.isFinite).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const size = arg('size', 1_000_000);
  const seed = arg('seed', 7);
  const popSize = arg('population', Math.ceil(size * 1.02) + 100);
  const config = { ...loadConfigOrExit(), RECONCILIATION_CASE_STARTS_PER_SECOND: 50 };
  const logger = createLogger('bench', 'warn');
  installTemporalRuntime(logger);
  const rt = createRuntime(config, { logger });
  const pop = new Population(seed, popSize);

  let t = Date.now();
  const living: number[] = [];
  for (let i = 0; i < popSize && living.length < size; i++) if (!pop.resident(i).dead) living.push(i);
  const ids = living.map(() => randomUUID());
  for (let k = 0; k < living.length; k += 5000) {
    const part = living.slice(k, k + 5000);
    const now = sqlTime();
    await rt.vault.importMany(part.map((i, j) => ({ pseudonymId: ids[k + j]!, myNumber: pop.myNumberOf(i) })), { actor: 'bench', purpose: 'benchmark population' });
    await rt.db.query(
      `INSERT INTO registrants (registrant_id, qualification_status, honseki, passer_number, license_number, name_kanji, name_kana, postal_code,
         address, birth_date, license_issued_on, sex, email, created_at, updated_at) VALUES ?`,
      { replacements: [part.map((i, j) => {
        const r = pop.resident(i);
        return [ids[k + j], 'active', generatedHonseki(pop, i), `B${i}`, `L${String(i).padStart(9, '0')}`, r.nameKanji, r.nameKana, r.postalCode,
          r.address, r.birthDate, '2020-04-01', r.sex, null, now, now];
      })] });
  }
  out(`generated ${living.length} registrants in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // A few scripted changes (100 of each kind).
  const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (let k = 0; k < 100; k++) {
    const n = (x: number) => pop.myNumberOf(living[(k * 4 + x) * 97 % living.length]!);
    await post(`${config.JUKI_SIM_URL}/admin/events`, { myNumber: n(0), type: 'death', date: '2026-10-01' });
    await post(`${config.JUKI_SIM_URL}/admin/events`, { myNumber: n(1), type: 'move', date: '2026-10-02', newAddress: `東京都港区芝公園${k + 1}-1-1`, newPostalCode: '1050011' });
    await post(`${config.JUKI_SIM_URL}/admin/events`, { myNumber: n(2), type: 'name_change', date: '2026-10-03', newNameKanji: '変更　花子', newNameKana: 'ヘンコウ　ハナコ' });
    await post(`${config.CHUKAN_SIM_URL}/admin/events`, { myNumber: n(3), type: 'honseki_change', newHonseki: `北海道札幌市中央区${k + 1}番地` });
  }

  const temporal = await connectClient(config);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const taskQueue = `bench-${randomUUID()}`;
  const clock = new PipelineClock();
  const timedRuntime = { ...rt, juki: clock.wrapJuki(rt.juki), chukan: clock.wrapChukan(rt.chukan) };
  const { worker } = await createWorker({ config: { ...config, TEMPORAL_TASK_QUEUE: taskQueue }, connection, taskQueue,
    activityInterceptors: [clock.interceptor],
    deps: { db: rt.db, queues: rt.queues, cases: rt, reconciliation: reconciliationDeps(timedRuntime, temporal, config, taskQueue) } });
  await worker.runUntil(async () => {
    for (const label of ['first run (obtains institution codes)', 'second run (nothing new)']) {
      const runId = randomUUID();
      t = Date.now();
      clock.reset();
      const cpu0 = cpuSnapshot(runDir);
      const result = await temporal.workflow.execute(reconciliationWorkflow, { taskQueue, workflowId: `reconciliation-${runId}`,
        args: [{ runId, trigger: 'manual', startedBy: 'bench', settings: { pageSize: config.RECONCILIATION_PAGE_SIZE,
          pagesInFlight: config.RECONCILIATION_PAGES_IN_FLIGHT, pagesPerRun: config.RECONCILIATION_PAGES_PER_RUN } }] });
      const s = (Date.now() - t) / 1000;
      const own = s - clock.remoteOnlyMs() / 1000;
      out(`${label}: ${result.processed} registrants\n` +
        `  end to end against the simulators: ${s.toFixed(1)} s = ${Math.round(result.processed / s)} registrants/s\n` +
        `  our own pipeline (minus ${(s - own).toFixed(1)} s waiting only on the simulators): ${own.toFixed(1)} s = ${Math.round(result.processed / own)} registrants/s\n` +
        `  findings ${JSON.stringify({ deaths: result.deaths, moves: result.moves, nameChanges: result.nameChanges, honsekiChanges: result.honsekiChanges })}, ` +
        `cases started ${result.casesStarted}, skipped ${result.skipped}`);
      out(`  CPU seconds by process: ${cpuReport(cpu0, cpuSnapshot(runDir), s)}\n` +
        `  CPU per registrant: ${((sumCpu(cpuSnapshot(runDir)) - sumCpu(cpu0)) * 1e6 / Math.max(1, result.processed)).toFixed(0)} µs; machine load average ${loadavg()[0]!.toFixed(1)}`);
      if (process.env.BENCH_BREAKDOWN === '1') out(clock.breakdown());
    }
  });
  await Promise.allSettled([connection.close(), temporal.connection.close(), rt.close()]);
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
