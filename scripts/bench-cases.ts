/**
 * bench:cases — pushes registration cases through the whole pipeline (API → Temporal → worker →
 * MariaDB / simulators / Redis / SMTP) with a bot reviewer and automatic online payment, and
 * prints what issue #4 asks for:
 *   - latency of POST /api/v1/cases at a steady rate (default 20 requests/s): p50, p99, max;
 *   - end-to-end throughput: cases/s from the first POST to the last `completed`;
 *   - Temporal state transitions and history events per case (DescribeWorkflowExecution);
 *   - the worker process's memory (RSS sampled from /proc during the run).
 * Run through scripts/bench.sh (npm run bench:cases), which starts its own services.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { request, type Dispatcher } from 'undici';
import { parseServerTiming } from '../api/server-timing';
import { accountsContext, addApiClient, addStaffAccount } from '../api/auth/accounts';
import { totpCode } from '../api/auth/totp';
import { loadConfigOrExit } from '../common/config';
import { myNumberCheckDigit } from '../common/mynumber';
import { QueryTypes } from 'sequelize';
import { createSequelize } from '../db/connection';
import { servicesCpu } from './bench-processes';

const { values: args } = parseArgs({ options: { cases: { type: 'string', default: '300' }, rate: { type: 'string', default: '20' },
  concurrency: { type: 'string', default: '16' } } });
const N = Number(args.cases);
const RATE = Number(args.rate);
const config = loadConfigOrExit();
const api = process.env.API_URL ?? `http://127.0.0.1:${config.PORT}`;
const workerPid = Number(readFileSync(process.env.WORKER_PID_FILE ?? '.run/bench/worker.pid', 'utf8').trim());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

async function json(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  // undici's request(): the load generator shares the 2 cores, so its own HTTP client is the lean one.
  const res = await request(path.startsWith('http') ? path : `${api}${path}`, { method: method as Dispatcher.HttpMethod, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await res.body.text();
  const st = res.headers['server-timing'];
  return { status: res.statusCode, body: text ? JSON.parse(text) : {}, timing: parseServerTiming((Array.isArray(st) ? st.join(', ') : st) ?? null) };
}

/** The services whose CPU time the report splits per case (pid files of scripts/lib.sh). */
const runDir = process.env.RUN_DIR ?? '.run/bench';
const SERVICES: Record<string, string> = { worker: 'worker.pid', api: 'api.pid', temporal: 'temporal/temporal.pid', mariadb: 'mariadb/mariadbd.pid',
  redis: 'redis/redis.pid', simulators: 'sim-*.pid', 'mail sink': 'mail-sink.pid' };

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main() {
  const db = createSequelize(config.DATABASE_URL, 4);
  const ctx = accountsContext(config, db);
  const client = await addApiClient(ctx, { name: 'bench-portal', role: 'portal', requestedBy: 'bench', reason: 'benchmark' });
  const portal = String((await json('POST', '/api/v1/auth/token', undefined, client)).body.accessToken);
  const bot = await addStaffAccount(ctx, { username: `bench-reviewer-${randomInt(1e6)}`, role: 'reviewer', requestedBy: 'bench', reason: 'benchmark bot' });
  const login = await json('POST', '/api/v1/auth/login', undefined, { username: bot.username, password: bot.password, otp: await totpCode(bot.totpSecret, Date.now() / 1000) });
  const reviewer = String(login.body.accessToken);

  // Applicants known to 住基ネット, the 中間サーバー and the passers' list.
  process.stdout.write(`preparing ${2 * N} applicants…\n`);
  const people = Array.from({ length: 2 * N }, (_, i) => {
    const base = `8${String(randomInt(0, 1e10)).padStart(10, '0')}`;
    const myNumber = `${base}${myNumberCheckDigit(base)}`;
    return { myNumber, passerNumber: `B-${i}-${randomInt(1e6)}`, applicant: { myNumber, nameKanji: '水道　太郎', nameKana: `スイドウ　タロウ${'ア'.repeat(i % 30)}`,
      birthDate: '1985-04-01', sex: 'male', postalCode: '1000013', address: `東京都千代田区霞が関2-1-${i}`, phone: '0312345678', email: `b${i}@example.jp`, honseki: '東京都' } };
  });
  for (let i = 0; i < people.length; i += 50) {
    await Promise.all(people.slice(i, i + 50).map(async (p) => {
      const { myNumber, nameKanji, nameKana, birthDate, sex, postalCode, address } = p.applicant;
      await json('POST', `${config.JUKI_SIM_URL}/admin/residents`, undefined, { myNumber, nameKanji, nameKana, birthDate, sex, postalCode, address });
      await json('POST', `${config.CHUKAN_SIM_URL}/admin/residents`, undefined, { myNumber, honseki: '東京都' });
    }));
  }
  await db.query(`INSERT INTO passers (passer_number, name_kanji, name_kana, birth_date, exam_date, imported_at) VALUES ${people.map(() => '(?, ?, ?, ?, ?, NOW(3))').join(',')}`,
    { replacements: people.flatMap((p) => [p.passerNumber, p.applicant.nameKanji, p.applicant.nameKana, p.applicant.birthDate, '2025-10-26']) });

  // Bots: the reviewer approves whatever is open; the applicant pays whatever awaits payment.
  let stop = false;
  const caseIds = new Set<string>();
  const completedAt = new Map<string, number>();
  const paid = new Set<string>();
  const reviewerBot = (async () => {
    while (!stop) {
      const list = await json('GET', '/api/v1/review-tasks?status=open&limit=100', reviewer);
      const items = (list.body.items ?? []) as { taskId: string }[];
      await Promise.all(items.map(async (t) => {
        if ((await json('POST', `/api/v1/review-tasks/${t.taskId}/claim`, reviewer)).status === 200) {
          await json('POST', `/api/v1/review-tasks/${t.taskId}/decision`, reviewer, { decision: 'approve' });
        }
      }));
      if (items.length === 0) await sleep(200);
    }
  })();
  // The applicant pays as soon as the case asks for it. Watched in the database (one query per
  // round) rather than by GET per case, so the bots do not load the API they measure.
  const payerBot = (async () => {
    while (!stop) {
      const ids = [...caseIds].filter((id) => !completedAt.has(id));
      if (ids.length > 0) {
        const rows = await db.query<{ case_id: string; status: string; checkout_url: string | null }>(
          `SELECT c.case_id, c.status, p.checkout_url FROM cases c
             LEFT JOIN payments p ON p.case_id = c.case_id AND p.kind = 'income' AND p.status = 'pending'
            WHERE c.case_id IN (?)`, { replacements: [ids], type: QueryTypes.SELECT });
        await Promise.all(rows.map(async (c) => {
          if (c.status === 'completed') completedAt.set(c.case_id, Date.now());
          else if (c.status === 'awaiting_payment' && c.checkout_url && !paid.has(c.case_id)) {
            paid.add(c.case_id);
            const res = await json('POST', c.checkout_url, undefined, {}).catch(() => ({ status: 0 }));
            if (res.status >= 300) {
              paid.delete(c.case_id); // try again next round rather than wait for ever
              process.stderr.write(`payer: checkout answered ${res.status}\n`);
            }
          }
        }));
      }
      await sleep(250);
    }
  })();
  // MariaDB's own count of statements (all clients: API, worker, bots) — a figure per case below.
  const statements = async () => Number((await db.query<{ Value: string }>(`SHOW GLOBAL STATUS LIKE 'Questions'`, { type: QueryTypes.SELECT }))[0].Value);
  const statementsStart = await statements();
  const cpuStart = servicesCpu(runDir, SERVICES);
  const driverStart = process.cpuUsage();
  let peakRss = 0;
  const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, rssMb(workerPid)); }, 500);
  const rssStart = rssMb(workerPid);

  const file = async (p: (typeof people)[number]) => {
    const t0 = performance.now();
    const res = await json('POST', '/api/v1/cases', portal, { type: 'registration', channel: 'mynaportal', passerNumber: p.passerNumber,
      applicant: p.applicant, payment: { method: 'online' } }, { 'idempotency-key': randomUUID() });
    const ms = performance.now() - t0;
    if (res.status !== 201) throw new Error(`POST /api/v1/cases answered ${res.status}: ${JSON.stringify(res.body)}`);
    caseIds.add(String(res.body.caseId));
    const inApp = (res.timing.total ?? ms) + (res.timing.auth ?? 0) + (res.timing.pre ?? 0);
    const phases: Record<string, number> = { ...res.timing, outside: ms - inApp };
    return { ms, phases };
  };
  /** Until every case completed; a run where none completes for BENCH_STALL_S (120) s stops with the stuck cases named, instead of waiting for ever. */
  const stallMs = Number(process.env.BENCH_STALL_S ?? 120) * 1000;
  const waitAll = async (ids: string[]) => {
    let leftBefore = -1;
    let progressAt = Date.now();
    for (;;) {
      const left = ids.filter((id) => !completedAt.has(id));
      if (left.length === 0) return;
      if (left.length !== leftBefore) [leftBefore, progressAt] = [left.length, Date.now()];
      if (Date.now() - progressAt > stallMs) {
        const rows = await db.query<{ case_id: string; status: string }>('SELECT case_id, status FROM cases WHERE case_id IN (?) LIMIT 10',
          { replacements: [left], type: QueryTypes.SELECT });
        throw new Error(`${left.length} case(s) made no progress for ${stallMs / 1000} s; e.g. ${rows.map((r) => `case-${r.case_id} (${r.status})`).join(', ')}`);
      }
      await sleep(200);
    }
  };

  // Phase 1: a steady 20 requests/s (open loop: one request every 1/RATE s, whatever the answers).
  process.stdout.write(`phase 1: ${N} cases at ${RATE} requests/s…\n`);
  const latencies: number[] = [];
  /** Server-Timing phases of each POST (`auth`, `pre` before the handler; `total` the handler's); `outside` = the client's time minus all of those (socket queues, network, the client). */
  const phaseMs: Record<string, number[]> = {};
  const t1 = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const due = t1 + (i * 1000) / RATE;
    await sleep(Math.max(0, due - Date.now()));
    inflight.push(file(people[i]).then(({ ms, phases }) => {
      latencies.push(ms);
      for (const [k, v] of Object.entries(phases)) (phaseMs[k] ??= []).push(v);
    }));
  }
  await Promise.all(inflight);
  const phase1Ids = [...caseIds];
  await waitAll(phase1Ids);
  const phase1End = Math.max(...phase1Ids.map((id) => completedAt.get(id)!));

  // Phase 2: as fast as the system takes them (bounded concurrency), end to end.
  process.stdout.write(`phase 2: ${N} cases, ${args.concurrency} at a time…\n`);
  const t2 = Date.now();
  const queue = people.slice(N);
  const phase2Ids: string[] = [];
  await Promise.all(Array.from({ length: Number(args.concurrency) }, async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      await file(p);
    }
  }));
  for (const id of caseIds) if (!phase1Ids.includes(id)) phase2Ids.push(id);
  await waitAll(phase2Ids);
  const phase2End = Math.max(...phase2Ids.map((id) => completedAt.get(id)!));
  stop = true;
  // The mail and print queues work behind the cases (a case completes once its notice and print job
  // are queued): how far they are at the last completion, and how long they take to catch up.
  const sideWork = async () => {
    const [row] = await db.query<{ mails: number; mailed: number; prints: number; printed: number }>(
      `SELECT (SELECT COUNT(*) FROM notices WHERE case_id IN (:ids) AND mail_status <> 'none') AS mails,
              (SELECT COUNT(*) FROM notices WHERE case_id IN (:ids) AND mail_status = 'sent') AS mailed,
              (SELECT COUNT(*) FROM documents WHERE case_id IN (:ids) AND print_status IS NOT NULL) AS prints,
              (SELECT COUNT(*) FROM documents WHERE case_id IN (:ids) AND print_status = 'printed') AS printed`,
      { replacements: { ids: [...caseIds] }, type: QueryTypes.SELECT });
    return { mails: Number(row.mails), mailed: Number(row.mailed), prints: Number(row.prints), printed: Number(row.printed) };
  };
  const atCompletion = await sideWork();
  let drained = atCompletion;
  const drainStart = Date.now();
  while ((drained.mailed < drained.mails || drained.printed < drained.prints) && Date.now() - drainStart < stallMs) {
    await sleep(200);
    drained = await sideWork();
  }
  const drainSeconds = (Date.now() - drainStart) / 1000;
  clearInterval(rssTimer);
  const statementsPerCase = (await statements() - statementsStart) / (2 * N);
  const cpuEnd = servicesCpu(runDir, SERVICES);
  const cpuUsed = [...cpuEnd].filter(([name]) => cpuStart.has(name)).map(([name, end]) => [name, end - cpuStart.get(name)!] as const);
  const cpuPerCase = cpuUsed.map(([name, s]) => `${name} ${((s * 1000) / (2 * N)).toFixed(0)}`);
  const cpuTotal = cpuUsed.reduce((a, [, s]) => a + s, 0);
  const driver = process.cpuUsage(driverStart);
  await Promise.all([reviewerBot, payerBot]);

  // Temporal's own count of state transitions per case workflow.
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  // 50 cases spread over both phases (the backlog of phase 1 builds up over its run).
  const all = [...caseIds];
  const sample = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 50)) === 0).slice(0, 50);
  const described = await Promise.all(sample.map((id) => temporal.workflow.getHandle(`case-${id}`).describe()));
  const transitions = described.map((d) => Number(d.raw.workflowExecutionInfo?.stateTransitionCount ?? 0));
  const events = described.map((d) => d.historyLength);
  // How long their workflow tasks stayed open (local activities run inside them: a queue in the
  // worker shows here first), and how many the server timed out.
  const wft = { durations: [] as number[], timedOut: 0, failed: 0 };
  for (const id of sample) {
    const started = new Map<number, number>();
    for (const e of (await temporal.workflow.getHandle(`case-${id}`).fetchHistory()).events ?? []) {
      const at = Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
      if (e.workflowTaskStartedEventAttributes) started.set(Number(e.workflowTaskStartedEventAttributes.scheduledEventId), at);
      const done = e.workflowTaskCompletedEventAttributes ?? e.workflowTaskTimedOutEventAttributes ?? e.workflowTaskFailedEventAttributes;
      const t0 = done ? started.get(Number(done.scheduledEventId)) : undefined;
      if (t0 !== undefined) wft.durations.push(at - t0);
      if (e.workflowTaskTimedOutEventAttributes) wft.timedOut++;
      if (e.workflowTaskFailedEventAttributes) wft.failed++;
    }
  }

  const fmt = (x: number) => x.toFixed(1);
  const report = [
    '',
    `bench:cases — ${2 * N} registration cases, bot reviewer, automatic online payment (2 cores)`,
    `POST /api/v1/cases at ${RATE} req/s: p50 ${fmt(pct(latencies, 50))} ms, p99 ${fmt(pct(latencies, 99))} ms, max ${fmt(Math.max(...latencies))} ms`,
    `  where (Server-Timing, p50 / p99 ms): ${Object.entries(phaseMs).map(([k, v]) => `${k} ${fmt(pct(v, 50))} / ${fmt(pct(v, 99))}`).join(', ') || 'no Server-Timing header'}`,
    `phase 1 end to end: ${N} cases in ${fmt((phase1End - t1) / 1000)} s → ${fmt(N / ((phase1End - t1) / 1000))} cases/s (bounded by the ${RATE}/s intake)`,
    `phase 2 end to end: ${N} cases in ${fmt((phase2End - t2) / 1000)} s → ${fmt(N / ((phase2End - t2) / 1000))} cases/s`,
    `state transitions per case: mean ${fmt(transitions.reduce((a, b) => a + b, 0) / transitions.length)}, max ${Math.max(...transitions)}; history events per case: mean ${fmt(events.reduce((a, b) => a + b, 0) / events.length)}`,
    `CPU ms per case by process: ${cpuPerCase.join(', ')} (total ${((cpuTotal * 1000) / (2 * N)).toFixed(0)} ms; 2 cores give 2,000 ms/s)`,
    // The clients (portal, reviewer bot, payer bot) share the two cores with the system they measure.
    `  and this benchmark's own clients and bots: ${((driver.user + driver.system) / 1000 / (2 * N)).toFixed(0)} ms per case`,
    `workflow tasks of ${sample.length} cases (spread over the run): open p50 ${fmt(pct(wft.durations, 50))} ms, p99 ${fmt(pct(wft.durations, 99))} ms, max ${fmt(Math.max(...wft.durations))} ms; timed out ${wft.timedOut}, failed ${wft.failed}`,
    `SQL statements per case (all processes, bots included): ${fmt(statementsPerCase)}`,
    `mail and print queues at the last completion: ${atCompletion.mailed} of ${atCompletion.mails} notices mailed, ${atCompletion.printed} of ${atCompletion.prints} licenses spooled; `
      + `${drained.mailed === drained.mails && drained.printed === drained.prints ? 'all done' : 'NOT all done'} ${fmt(drainSeconds)} s later (the CPU figures include that time)`,
    `worker RSS: start ${fmt(rssStart)} MB, peak ${fmt(peakRss)} MB`,
  ].join('\n');
  process.stdout.write(`${report}\n`);
  await connection.close();
  await db.close();
}

main().then(() => process.exit(0), (err: Error) => {
  process.stderr.write(`bench:cases: ${err.message}\n`);
  process.exit(1);
});
