/**
 * The canary sweep (issue #5 item 7): complete registrations with canary My Numbers — valid check
 * digits, a distinctive prefix, unique per run — then a search of every place the system writes:
 * our logs (a real logger at trace level, stdout, the service logs of the run), Redis (every key),
 * Temporal histories, descriptions, search attributes and memos read without the codec (and its
 * database file), every table of every schema but the link table (and MariaDB's data files),
 * the mail sink, the document store and print spool (PDF streams inflated, drawn text decoded),
 * and every API response body and request URL. Zero hits; controls prove each path can fail.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { QueryTypes } from 'sequelize';
import { createLogger } from '../../common/logger';
import { myNumberCheckDigit } from '../../common/mynumber';
import { renderLicensePdf } from '../../domain/license-pdf';
import { call, loginAs, newStaff } from '../integration/auth-helpers';
import { rootConnection } from '../helpers/env';
import { CanaryScanner } from './canary-scan';
import { runDir, scanLogText, sweepDatabase, sweepRedis, sweepTemporal } from './canary-sweep';
import {
  actors, claimAndDecide, fileCase, hasStatus, mailsTo, newPerson, registrationBody, startPipeline, until, waitForCase,
  type Actors, type Person, type Pipeline,
} from './pipeline';

jest.setTimeout(300_000);

/** A valid My Number with a prefix no other test uses (31415…), so a hit can only be ours. */
function canary(): string {
  const base = `31415${String(randomInt(0, 1e6)).padStart(6, '0')}`;
  return `${base}${myNumberCheckDigit(base)}`;
}

describe('canary sweep: the My Number is nowhere but in its vault', () => {
  let p: Pipeline;
  let a: Actors;
  const logLines: string[] = [];
  const responses: { url: string; status: number; body: Buffer }[] = [];
  const realFetch = globalThis.fetch;
  const realStdout = process.stdout.write.bind(process.stdout);
  const stdout: string[] = [];

  beforeAll(async () => {
    // Everything our processes print (the Temporal runtime's logger included) …
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdout.push(Buffer.from(chunk).toString('utf8'));
      return (realStdout as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    // … every line the API, activities and consumers log, at the most verbose level …
    const logger = createLogger('canary', 'trace', { write: (line: string) => logLines.push(line) });
    p = await startPipeline({}, { logger });
    // … and every answer of our API (requests to the simulators are theirs, not ours).
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const res = await realFetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(p.url)) responses.push({ url, status: res.status, body: Buffer.from(await res.clone().arrayBuffer()) });
      return res;
    };
    a = await actors(p);
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    process.stdout.write = realStdout;
    await p?.close();
  });

  const people: Person[] = [];
  const canaryPerson = async (opts: Parameters<typeof newPerson>[1] = {}) => {
    const person = await newPerson(p, opts);
    const number = canary();
    // The simulators learn the canary as this person's number (they hold it in memory, as the real systems do).
    for (const [base, body] of [[p.config.JUKI_SIM_URL, { ...person.applicant, ...opts.jukiDiffers }], [p.config.CHUKAN_SIM_URL,
      { honseki: opts.honseki === undefined ? '東京都' : opts.honseki }]] as const) {
      const res = await realFetch(`${base}/admin/residents`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, myNumber: number }) });
      expect(res.status).toBeLessThan(300);
    }
    person.myNumber = number;
    person.applicant.myNumber = number;
    people.push(person);
    return person;
  };
  const underReview = async (caseId: string) => (await waitForCase(p, a.portal, caseId, hasStatus('under_review'))).reviewTask!.taskId;

  async function complete(person: Person, opts: { returnRound: boolean }) {
    const key = randomUUID();
    const created = await fileCase(p, a.portal, registrationBody(person), key);
    expect(created.status).toBe(201);
    const caseId = String(created.body.caseId);
    expect((await fileCase(p, a.portal, registrationBody(person), key)).body.caseId).toBe(caseId);
    expect((await fileCase(p, a.portal, { ...registrationBody(person), passerNumber: 'OTHER-1' }, key)).status).toBe(409);
    let taskId = await underReview(caseId);
    expect((await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer })).status).toBe(200);
    if (opts.returnRound) {
      expect((await claimAndDecide(p, a.reviewer, taskId, 'return', '電話番号を確認してください')).status).toBe(200);
      await waitForCase(p, a.portal, caseId, hasStatus('returned_for_correction'));
      expect((await call(p.url, 'POST', `/api/v1/cases/${caseId}/resubmission`, { token: a.portal,
        body: { changes: { phone: '090-1234-5678' } } })).status).toBe(202);
      taskId = await underReview(caseId);
      expect((await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer })).status).toBe(200);
    }
    expect((await claimAndDecide(p, a.reviewer, taskId, 'approve')).status).toBe(200);
    const awaiting = await waitForCase(p, a.portal, caseId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
    expect((await realFetch(awaiting.payment!.checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)
      .toBeLessThan(300);
    const done = await waitForCase(p, a.portal, caseId, hasStatus('completed'));
    // Everything staff and the portal read about the person.
    const pdf = await fetch(`${p.url}/api/v1/licenses/${done.licenseNumber}/pdf`, { headers: { authorization: `Bearer ${a.reviewer}` } });
    expect(pdf.status).toBe(200);
    await pdf.arrayBuffer();
    for (const [token, url] of [
      [a.reviewer, `/api/v1/registrants/${done.registrantId}`],
      [a.reviewer, `/api/v1/registrants?licenseNumber=${done.licenseNumber}`],
      [a.reviewer, `/api/v1/registrants/${done.registrantId}/credential?profile=standard`],
      [a.reviewer, `/api/v1/registrants/${done.registrantId}/credential?profile=with_birth_date`],
      [a.portal, `/api/v1/cases/${caseId}/notices`],
      [a.clerk, `/api/v1/cases/${caseId}`],
    ] as const) await call(p.url, 'GET', url, { token });
    await until(async () => {
      const [doc] = await p.deps.db.query<{ print_status: string }>(
        "SELECT print_status FROM documents WHERE registrant_id = ? AND kind = 'license_pdf'", { replacements: [done.registrantId], type: QueryTypes.SELECT });
      return doc?.print_status === 'printed';
    }, 30_000, 'the print job');
    await until(async () => (await mailsTo(p, person.applicant.email)).some((m) => m.subject.includes('免状を交付しました')), 30_000, 'the email');
    return caseId;
  }

  it('when canary applicants go through every path, then no store, log, message, document or answer holds their number', async () => {
    // Two complete registrations (one with a return-for-correction round), one identity mismatch rejected.
    const [first, second, mismatch] = [await canaryPerson(), await canaryPerson(), await canaryPerson({ jukiDiffers: { address: '大阪府大阪市北区中之島1-3-20' } })];
    await complete(first, { returnRound: true });
    await complete(second, { returnRound: false });
    const rejectedId = String((await fileCase(p, a.portal, registrationBody(mismatch))).body.caseId);
    const taskId = await underReview(rejectedId);
    const detail = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(detail.body.findings).toMatchObject({ identity: { outcome: 'mismatch' } });
    expect((await claimAndDecide(p, a.reviewer, taskId, 'reject', '住所が住民票と一致しない')).status).toBe(200);
    await waitForCase(p, a.portal, rejectedId, hasStatus('rejected'));
    // Refusals echo nothing: an invalid application carrying a valid canary, and a wrong check digit.
    const invalid = await canaryPerson();
    const bad = registrationBody(invalid) as { applicant: Record<string, string> };
    expect((await fileCase(p, a.portal, { ...bad, applicant: { ...bad.applicant, nameKana: 'すいどう' } })).status).toBe(400);
    const wrongDigit = `${invalid.myNumber.slice(0, 11)}${(Number(invalid.myNumber[11]) + 1) % 10}`;
    expect((await fileCase(p, a.portal, { ...bad, applicant: { ...bad.applicant, myNumber: wrongDigit } })).status).toBe(400);
    // The auditor reads the 情報提供等記録 of these cases (IDs only; the answers are scanned below).
    const auditor = await loginAs(p.url, await newStaff(p.ctx, 'auditor'));
    const records = await call(p.url, 'GET', `/api/v1/inquiry-records?caseId=${rejectedId}`, { token: auditor });
    expect((records.body.items as unknown[]).length).toBeGreaterThan(0);
    // Let Redis's append-only file catch up (fsync every second).
    await new Promise((r) => setTimeout(r, 1500));

    const scanner = new CanaryScanner(people.map((x) => x.myNumber));
    const masked: string[] = [];
    const summary: Record<string, unknown> = {};

    for (const r of responses) {
      scanner.scan(`response ${r.status} ${r.url}`, r.body, 'api responses');
      scanner.scan(`request URL ${r.url}`, r.url, 'urls');
    }
    summary.responses = responses.length;
    masked.push(...scanLogText(scanner, 'pipeline log', logLines.join('')));
    masked.push(...scanLogText(scanner, 'stdout', stdout.join('')));
    summary.logLines = logLines.length;
    const logDir = path.join(runDir(), 'logs');
    for (const f of await readdir(logDir).catch(() => [] as string[])) {
      masked.push(...scanLogText(scanner, `service log ${f}`, await readFile(path.join(logDir, f), 'utf8')));
    }
    summary.redisKeys = await sweepRedis(scanner, p.deps.queues.mail.client);
    summary.redisFiles = await scanner.scanDir(path.join(runDir(), 'redis'), 'redis files');
    summary.temporal = await sweepTemporal(scanner, p.config);
    summary.temporalFiles = await scanner.scanDir(path.join(runDir(), 'temporal'), 'temporal files', { deep: false });
    summary.database = await sweepDatabase(scanner);
    summary.databaseFiles = await scanner.scanDir(path.join(runDir(), 'mariadb'), 'database files', { deep: false });
    summary.mails = await scanner.scanDir(p.config.MAIL_SINK_DIR, 'mail');
    // The sink keeps messages as they arrived (MIME, bodies often base64 in 76-column lines): their
    // decoded headers and bodies are scanned too.
    let decodedMails = 0;
    for (const f of (await readdir(p.config.MAIL_SINK_DIR)).filter((name) => name.endsWith('.eml'))) {
      const mail = await simpleParser(await readFile(path.join(p.config.MAIL_SINK_DIR, f)));
      scanner.scan(`mail ${f} (decoded)`, JSON.stringify({ headers: [...mail.headers], subject: mail.subject, text: mail.text, html: mail.html }), 'mail');
      decodedMails++;
    }
    summary.decodedMails = decodedMails;
    summary.documents = await scanner.scanDir(p.config.DOCUMENT_STORE_DIR, 'documents');
    summary.printSpool = await scanner.scanDir(p.config.PRINT_SPOOL_DIR, 'print spool');

    console.log(JSON.stringify({ canaries: scanner.canaries.length, summary, bytesScanned: scanner.scanned }, null, 1));
    expect(summary.responses).toBeGreaterThan(40);
    expect(summary.logLines).toBeGreaterThan(0);
    expect(summary.redisKeys).toBeGreaterThan(0);
    expect((summary.temporal as { workflows: number }).workflows).toBeGreaterThanOrEqual(3);
    expect(summary.mails).toBeGreaterThan(0);
    expect(summary.decodedMails).toBeGreaterThan(0);
    expect(summary.documents).toBeGreaterThanOrEqual(2);
    expect(scanner.scanned['pdf text']).toBeGreaterThan(0);
    expect(scanner.hits).toEqual([]);
    expect(masked).toEqual([]);
  });

  describe('controls: the same sweep finds a canary that was put somewhere on purpose', () => {
    const control = canary();
    const scanner = () => new CanaryScanner([control]);

    it('when a Redis key holds it (base64 in JSON, as job data would), then the Redis sweep reports it', async () => {
      const redis = p.deps.queues.mail.client;
      const key = `canary-control:${randomUUID()}`;
      await redis.hset(key, 'data', JSON.stringify({ blob: Buffer.from(`{"n":"${control}"}`).toString('base64') }));
      try {
        const s = scanner();
        await sweepRedis(s, redis);
        expect(s.hits.map((h) => h.source)).toContain(`redis hash ${key} (base64 run)`);
      } finally {
        await redis.del(key);
      }
      const clean = scanner();
      await sweepRedis(clean, redis);
      expect(clean.hits).toEqual([]);
    });

    it('when a table holds its hex form, then the database sweep reports it', async () => {
      const root = await rootConnection();
      try {
        await root.query('CREATE DATABASE IF NOT EXISTS canary_control');
        await root.query('CREATE TABLE IF NOT EXISTS canary_control.t (v VARBINARY(64))');
        await root.query('INSERT INTO canary_control.t VALUES (?)', [Buffer.from(Buffer.from(control).toString('hex'))]);
        const s = scanner();
        await sweepDatabase(s, { schemas: ['canary_control'] });
        expect(s.hits.map((h) => `${h.source}|${h.form}`)).toContain('table canary_control.t|hex of UTF-8');
      } finally {
        await root.query('DROP DATABASE IF EXISTS canary_control');
        await root.end();
      }
    });

    it('when a log line carries it, then the log check reports the mask left by the scrubber, and raw text is a hit', () => {
      const lines: string[] = [];
      createLogger('control', 'info', { write: (l: string) => lines.push(l) }).info({ note: `申請 ${control}` }, 'control');
      const s = scanner();
      expect(scanLogText(s, 'control log', lines.join(''))).toHaveLength(1);
      scanLogText(s, 'unscrubbed', `number=${control}`);
      expect(s.hits.map((h) => h.source)).toEqual(['unscrubbed']);
    });

    it('when the license renderer draws it (subset font, compressed streams), then the document scan reads it through ToUnicode', async () => {
      const bytes = Buffer.from(await renderLicensePdf({ licenseNumber: control, nameKanji: '水道　太郎', nameKana: 'スイドウ　タロウ',
        birthDate: '1985-04-01', issueDate: '2025-04-01' }));
      const s = scanner();
      s.scan('control.pdf', bytes, 'documents');
      expect(s.hits.some((h) => h.source.startsWith('control.pdf (text of stream'))).toBe(true);
    });

    it('when an API answer echoes it, then the response scan reports it', () => {
      const s = scanner();
      s.scan('response 400 /control', JSON.stringify({ error: { message: `bad ${control.slice(0, 4)} ${control.slice(4, 8)} ${control.slice(8)}` } }));
      expect(s.hits.map((h) => h.form)).toEqual(['grouped with spaces']);
    });
  });
});
