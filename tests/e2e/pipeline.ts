/**
 * The whole system in one test process, on the real services started by scripts/test.sh: the API
 * over real HTTP, a worker with the real activities (vault, adapters to the simulators, document
 * store, queues) on a private task queue, and the mail and print consumers. Helpers act as the
 * portal, the staff and the applicant would.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';
import { createApiServices } from '../../api/services';
import { accountsContext, type AccountsContext } from '../../api/auth/accounts';
import { createRuntime, type Runtime } from '../../activities/runtime';
import type { Config } from '../../common/config';
import { createLogger, type Logger } from '../../common/logger';
import { myNumberCheckDigit } from '../../common/mynumber';
import { createQueues } from '../../common/queues';
import { connectClient } from '../../common/temporal';
import { createWorker } from '../../worker/create-worker';
import { startJobConsumers } from '../../worker/jobs';
import { reconciliationDeps } from '../../worker/reconciliation';
import { call, loginAs, newClient, newStaff, type Call } from '../integration/auth-helpers';
import { appDb, config as baseConfig } from '../helpers/env';

export interface Pipeline {
  url: string;
  config: Config;
  deps: ApiDeps;
  runtime: Runtime;
  ctx: AccountsContext;
  close(): Promise<void>;
}

/** `opts.logger`: where the API, activities and consumers log (silent unless a test reads the lines). */
export async function startPipeline(overrides: Partial<Config> = {}, opts: { logger?: Logger } = {}): Promise<Pipeline> {
  const config: Config = { ...baseConfig, TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`, ...overrides };
  const logger = opts.logger ?? createLogger('e2e', 'silent');
  const db = appDb();
  const queues = createQueues(config.REDIS_URL);
  const deps: ApiDeps = { config, logger, db, queues, temporal: await connectClient(config), services: createApiServices(config, db) };
  const server: Server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const runtime = createRuntime(config, { logger, queues, publicBaseUrl: url });
  const jobs = startJobConsumers({ db: runtime.db, queues, documents: runtime.documents, logger, smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM, printSpoolDir: config.PRINT_SPOOL_DIR });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const { worker } = await createWorker({ config, connection, deps: { db: runtime.db, queues, cases: runtime,
    reconciliation: reconciliationDeps(runtime, deps.temporal, config) } });
  const running = worker.run();
  return {
    url, config, deps, runtime, ctx: accountsContext(config, db),
    async close() {
      await shutdown(worker, running);
      await connection.close();
      await new Promise((r) => server.close(r));
      await jobs.close();
      await runtime.close();
      await Promise.all([deps.services.close(), queues.close(), db.close(), deps.temporal.connection.close()]);
    },
  };
}

async function shutdown(worker: Worker, running: Promise<void>) {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
}

/**
 * One pipeline and its actors for a describe block: started in its beforeAll, closed in its
 * afterAll. The two are returned as stand-ins that forward to the real objects once beforeAll has
 * run, so test bodies read `p.url` and `a.reviewer` as they would plain variables.
 */
export function usePipeline(overrides: Partial<Config> = {}): { p: Pipeline; a: Actors } {
  let pipeline: Pipeline | undefined;
  let people: Actors | undefined;
  beforeAll(async () => {
    pipeline = await startPipeline(overrides);
    people = await actors(pipeline);
  });
  afterAll(async () => {
    await pipeline?.close();
  });
  const late = <T extends object>(get: () => T | undefined, what: string): T => new Proxy({} as T, {
    get(_target, key) {
      const real = get();
      if (!real) throw new Error(`${what} is used before beforeAll started it`);
      const value: unknown = Reflect.get(real, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
  });
  return { p: late(() => pipeline, 'the pipeline'), a: late(() => people, 'the actors') };
}

/** A fresh, valid, unique My Number (check digit per the domain notes). */
export function newMyNumber(): string {
  const base = `9${String(randomInt(0, 1e10)).padStart(10, '0')}`;
  return `${base}${myNumberCheckDigit(base)}`;
}

export interface Person {
  myNumber: string;
  passerNumber: string;
  applicant: Record<string, string>;
}

const KANA_DIGITS = 'アイウエオカキクケコ';

/** A person known to 住基ネット, the 中間サーバー and the passers' list, as a real applicant would be. */
export async function newPerson(p: Pipeline, opts: {
  honseki?: string | null; jukiDiffers?: Partial<Record<string, string>>; passer?: boolean;
  /** false: 住基ネット / the 中間サーバー do not know this person (NOT_FOUND). */
  juki?: boolean; chukan?: boolean;
} = {}): Promise<Person> {
  const myNumber = newMyNumber();
  // Unique per person: a few hundred people per run drawn from 10^6 collided (birthday problem, ~10 % a
  // run). A letter between the two halves keeps the suffix from reading as one long digit run.
  const suffix = `${randomInt(0, 1e6).toString().padStart(6, '0')}K${randomInt(0, 1e6).toString().padStart(6, '0')}`;
  const passerNumber = `E2E-${suffix}`;
  const applicant = {
    // The kana name is unique too: eligibility matches earlier entries by kana name and birth date, so a
    // shared name let another test's return order (its 1-year ban) show on this person's review.
    myNumber, nameKanji: '水道　太郎', nameKana: `スイドウ　タロウ${[...suffix.replace('K', '')].map((d) => KANA_DIGITS[Number(d)]).join('')}`,
    birthDate: '1985-04-01', sex: 'male',
    postalCode: '1000013', address: '東京都千代田区霞が関2-1-3', phone: '0312345678', email: `taro.${suffix}@example.jp`, honseki: '東京都',
  };
  const juki = { myNumber, nameKanji: applicant.nameKanji, nameKana: applicant.nameKana, birthDate: applicant.birthDate, sex: applicant.sex,
    postalCode: applicant.postalCode, address: applicant.address, ...opts.jukiDiffers };
  if (opts.juki !== false) await post(p.config.JUKI_SIM_URL, '/admin/residents', juki);
  if (opts.chukan !== false) await post(p.config.CHUKAN_SIM_URL, '/admin/residents', { myNumber, honseki: opts.honseki === undefined ? '東京都' : opts.honseki });
  if (opts.passer !== false) {
    await p.deps.db.query('INSERT INTO passers (passer_number, name_kanji, name_kana, birth_date, exam_date, imported_at) VALUES (?, ?, ?, ?, ?, NOW(3))',
      { replacements: [passerNumber, applicant.nameKanji, applicant.nameKana, applicant.birthDate, '2025-10-26'] });
  }
  return { myNumber, passerNumber, applicant };
}

async function post(base: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${base}${path} answered ${res.status}`);
}

export interface Actors {
  portal: string;
  reviewer: string;
  reviewer2: string;
  clerk: string;
  supervisor: string;
}

export async function actors(p: Pipeline): Promise<Actors> {
  const client = await newClient(p.ctx);
  const portal = await call(p.url, 'POST', '/api/v1/auth/token', { body: client });
  const staff = async (role: string, offset: number) => loginAs(p.url, await newStaff(p.ctx, role), offset);
  return {
    portal: String(portal.body.accessToken),
    reviewer: await staff('reviewer', 0),
    reviewer2: await staff('reviewer', 0),
    clerk: await staff('clerk', 0),
    supervisor: await staff('supervisor', 0),
  };
}

export function registrationBody(person: Person, channel = 'mynaportal', method = 'online') {
  const { myNumber: _m, ...rest } = person.applicant;
  return { type: 'registration', channel, passerNumber: person.passerNumber,
    applicant: channel === 'mynaportal' ? person.applicant : rest, payment: { method } };
}

export async function fileCase(p: Pipeline, token: string, body: unknown, key = randomUUID()): Promise<Call> {
  const res = await fetch(`${p.url}/api/v1/cases`, { method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** GET /api/v1/cases/{id} as the tests read it. */
export interface CaseJson {
  caseId: string;
  status: string;
  history: { status: string; at: string; note?: string }[];
  reviewTask: { taskId: string; status: string; dueAt: string } | null;
  payment: { paymentId: string; method: string; amount: number; status: string; checkoutUrl: string | null } | null;
  registrantId: string | null;
  licenseNumber: string | null;
}

/** Polls the case until `until` holds (or fails the test with the last state after `timeoutMs`). */
export async function waitForCase(p: Pipeline, token: string, caseId: string, until: (c: CaseJson) => boolean, timeoutMs = 30_000): Promise<CaseJson> {
  const deadline = Date.now() + timeoutMs;
  let last: Call | undefined;
  while (Date.now() < deadline) {
    last = await call(p.url, 'GET', `/api/v1/cases/${caseId}`, { token });
    if (last.status === 200 && until(last.body as unknown as CaseJson)) return last.body as unknown as CaseJson;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`case ${caseId} did not reach the expected state; last: ${JSON.stringify(last?.body)}`);
}

export const hasStatus = (status: string) => (c: CaseJson) => c.status === status;

export async function claimAndDecide(p: Pipeline, token: string, taskId: string, decision: string, reason?: string) {
  const claim = await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/claim`, { token });
  if (claim.status !== 200) throw new Error(`claim answered ${claim.status} ${JSON.stringify(claim.body)}`);
  return call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/decision`, { token, body: { decision, ...(reason ? { reason } : {}) } });
}

export async function mailsTo(p: Pipeline, address: string): Promise<{ subject: string; to: string[]; id: string }[]> {
  const res = await fetch(`http://127.0.0.1:${p.config.MAIL_SINK_HTTP_PORT}/messages`);
  const { items } = (await res.json()) as { items: { subject: string; to: string[]; id: string }[] };
  return items.filter((m) => m.to.includes(address));
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A person registered through the whole pipeline (reviewer approves, the applicant pays online). */
export async function registerThroughApi(p: Pipeline, a: Actors, person: Person): Promise<{ caseId: string; registrantId: string; licenseNumber: string }> {
  const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
  const review = await waitForCase(p, a.portal, caseId, hasStatus('under_review'));
  const decided = await claimAndDecide(p, a.reviewer, review.reviewTask!.taskId, 'approve');
  if (decided.status !== 200) throw new Error(`approval answered ${decided.status}`);
  const awaiting = await waitForCase(p, a.portal, caseId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
  await fetch(awaiting.payment!.checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const done = await waitForCase(p, a.portal, caseId, hasStatus('completed'));
  return { caseId, registrantId: done.registrantId!, licenseNumber: done.licenseNumber! };
}
