/**
 * The 情報提供等記録 for auditors (issue #3): `GET /api/v1/inquiry-records` over real HTTP —
 * filters, keyset pages, IDs only, the read audited, auditors only; records of batch inquiries
 * (one per person asked, merged with the single ones; INSERT and SELECT only) — and the retention purge of
 * inquiry results, by `npm run admin -- inquiries:purge` and by the worker's periodic job.
 */
import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { QueryTypes } from 'sequelize';
import { createLogger } from '../../common/logger';
import { sqlTime } from '../../db/connection';
import { memberRecordId, recordInquiryBatch, type InquiryBatchMember } from '../../db/inquiry-batches';
import { startInquiryPurge } from '../../worker/inquiry-purge';
import { config } from '../helpers/env';
import { call, loginAs, newStaff, startApi, type TestApi } from './auth-helpers';

const run = promisify(execFile);
const RECORD_KEYS = ['recordId', 'at', 'remote', 'operation', 'purpose', 'actor', 'caseId', 'pseudonymId', 'outcome', 'remoteCode', 'permitId'];

describe('inquiry records (情報提供等記録) and the retention purge', () => {
  let api: TestApi;
  let auditor: string;
  let reviewer: string;
  const caseId = randomUUID();
  const pseudonymId = randomUUID();
  // Five inquiries about one person on 2030-01-10 Japan time, one the day after.
  const times = ['2030-01-09T15:00:00.000Z', '2030-01-09T16:00:00.000Z', '2030-01-10T01:00:00.000Z', '2030-01-10T02:00:00.000Z',
    '2030-01-10T14:59:59.999Z', '2030-01-10T15:00:00.000Z'];

  beforeAll(async () => {
    api = await startApi();
    auditor = await loginAs(api.url, await newStaff(api.ctx, 'auditor'));
    reviewer = await loginAs(api.url, await newStaff(api.ctx, 'reviewer'));
    for (const [i, at] of times.entries()) {
      await api.deps.db.query(
        `INSERT INTO inquiry_records (record_id, at, remote, operation, purpose, actor, case_id, pseudonym_id, outcome, remote_code, permit_id)
         VALUES (?, ?, ?, 'inquireHonseki', '給水装置工事主任技術者免状事務: 本籍の確認', 'system:case-workflow', ?, ?, ?, NULL, ?)`,
        { replacements: [randomUUID(), sqlTime(new Date(at)), i % 2 ? 'chukan' : 'juki', caseId, pseudonymId, i === 3 ? 'not_found' : 'ok',
          i % 2 ? `PERMIT-${i}` : null] });
    }
  });
  afterAll(() => api.close());

  const get = (query: string, token = auditor) => call(api.url, 'GET', `/api/v1/inquiry-records?${query}`, { token });

  it('when an auditor pages through one case, then every record comes once, in time order, with IDs only', async () => {
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`caseId=${caseId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as Record<string, unknown>[]));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((r) => r.at)).toEqual(times);
    expect(new Set(seen.map((r) => r.recordId)).size).toBe(6);
    for (const r of seen) expect(Object.keys(r).sort()).toEqual([...RECORD_KEYS].sort());
    expect(seen[3]).toMatchObject({ outcome: 'not_found', caseId, pseudonymId, remote: 'chukan', permitId: 'PERMIT-3' });
  });

  it('when filtered by a Japan-time day or instants and by person, then only those records come back', async () => {
    const day = await get(`pseudonymId=${pseudonymId}&from=2030-01-10&to=2030-01-10`);
    expect((day.body.items as { at: string }[]).map((r) => r.at)).toEqual(times.slice(0, 5));
    const instants = await get(`caseId=${caseId}&from=2030-01-10T01:00:00Z&to=2030-01-10T02:00:00Z`);
    expect((instants.body.items as { at: string }[]).map((r) => r.at)).toEqual([times[2]]);
    const other = await get(`pseudonymId=${randomUUID()}`);
    expect(other.body.items).toEqual([]);
  });

  it('when the query is malformed, then 400 names the problem', async () => {
    expect((await get('from=2030-13-01')).status).toBe(400);
    expect((await get('caseId=not-a-uuid')).status).toBe(400);
    expect((await get('cursor=bm9wZQ')).status).toBe(400);
    expect((await get('from=2030-01-11&to=2030-01-10')).status).toBe(400);
  });

  it('when anyone but an auditor asks, then 403 (401 without a token); every read by the auditor is audited', async () => {
    expect((await get(`caseId=${caseId}`, reviewer)).status).toBe(403);
    expect((await call(api.url, 'GET', '/api/v1/inquiry-records')).status).toBe(401);
    await get(`caseId=${caseId}&limit=1`);
    const [entry] = await api.deps.db.query<{ actor: string; detail: unknown }>(
      "SELECT actor, detail FROM audit_log WHERE action = 'inquiry_records.read' ORDER BY seq DESC LIMIT 1", { type: QueryTypes.SELECT });
    const detail = typeof entry.detail === 'string' ? JSON.parse(entry.detail) : entry.detail;
    expect(detail).toMatchObject({ caseId, items: 1 });
    expect(entry.actor).toBeTruthy();
  });

  describe('records of batch inquiries (inquiry_batches and their member lists, migrations 0010 and 0011)', () => {
    // Two batches at the same millisecond and one an hour later, in a window no other test writes to.
    const base = Date.UTC(2040, 0, 1) + randomInt(0, 2 ** 40);
    const person = randomUUID();
    const others = Array.from({ length: 4 }, () => randomUUID());
    const purpose = '給水装置工事主任技術者免状事務: 登録事項の定期照合 (本籍)';
    let batches: string[] = [];
    const window = `from=${new Date(base).toISOString()}&to=${new Date(base + 7_200_000).toISOString()}`;

    beforeAll(async () => {
      const db = api.deps.db;
      const batch = (operation: string, members: InquiryBatchMember[], at: number) =>
        recordInquiryBatch(db, { remote: operation === 'batchInquiry' ? 'juki' : 'chukan', operation, purpose, actor: 'system:reconciliation',
          batchRef: 'recon:test', members }, at);
      batches = [
        (await batch('batchInquiry', [...others.slice(0, 2), person, ...others.slice(2)].map((id, i) => ({ pseudonymId: id, outcome: i === 4 ? 'not_found' : 'ok' })), base))!,
        (await batch('obtainInstitutionCodes', [person, others[0]!].map((id) => ({ pseudonymId: id, outcome: 'ok' })), base))!,
        (await batch('inquireHonsekiBatch', [others[1]!, person].map((id, i) => ({ pseudonymId: id, outcome: 'ok', permitId: `PERMIT-B${i}` })), base + 3_600_000))!,
      ];
      // one single inquiry about the same person inside the window (a case), to be merged with the batch records
      await db.query(
        `INSERT INTO inquiry_records (record_id, at, remote, operation, purpose, actor, case_id, pseudonym_id, outcome, remote_code, permit_id)
         VALUES (?, ?, 'juki', 'immediateInquiry', ?, 'system:case-workflow', ?, ?, 'ok', NULL, NULL)`,
        { replacements: [randomUUID(), sqlTime(new Date(base + 60_000)), purpose, randomUUID(), person] });
    });

    const all = async (query: string, limit: number) => {
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...(res.body.items as Record<string, unknown>[]));
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
      return seen;
    };

    it('when an auditor asks by person, then each batch inquiry is one record of that person, merged in time order with single inquiries', async () => {
      const recs = await all(`pseudonymId=${person}`, 500);
      expect(recs).toHaveLength(4);
      // the two batches of the same millisecond in either order (by batch ID), then the case's inquiry, then the later batch
      expect(recs.slice(0, 2).map((r) => r.operation).sort()).toEqual(['batchInquiry', 'obtainInstitutionCodes']);
      expect(recs.slice(2).map((r) => r.operation)).toEqual(['immediateInquiry', 'inquireHonsekiBatch']);
      expect(recs.map((r) => r.at)).toEqual([...recs.map((r) => r.at as string)].sort());
      expect(recs[0]!.at).toBe(new Date(base).toISOString());
      expect(recs[3]).toMatchObject({ remote: 'chukan', operation: 'inquireHonsekiBatch', pseudonymId: person, caseId: null, permitId: 'PERMIT-B1',
        actor: 'system:reconciliation', purpose, outcome: 'ok', remoteCode: null, at: new Date(base + 3_600_000).toISOString() });
      for (const r of recs) {
        expect(Object.keys(r).sort()).toEqual([...RECORD_KEYS].sort());
        expect(r.recordId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }
      // the batch member's record ID is the batch ID and its position
      expect(recs.find((r) => r.operation === 'batchInquiry')!.recordId).toBe(memberRecordId(batches[0]!, 3));
      // paged one by one: the same records, once each
      expect((await all(`pseudonymId=${person}`, 1)).map((r) => r.recordId)).toEqual(recs.map((r) => r.recordId));
    });

    it('when an auditor asks about a person inside the range of IDs of a batch but not in it, then no record of that batch is theirs', async () => {
      const ids = [...others, person].sort();
      const inside = `${ids[0]!.slice(0, 24)}ffffffffffff`; // above the lowest ID, below the highest
      const [range] = await api.deps.db.query<{ n: number }>(
        'SELECT COUNT(*) AS n FROM inquiry_batches WHERE batch_id = ? AND first_pseudonym_id < ? AND last_pseudonym_id > ?',
        { replacements: [batches[0], inside, inside], type: QueryTypes.SELECT });
      expect(Number(range!.n)).toBe(1);
      expect(await all(`pseudonymId=${inside}`, 100)).toEqual([]);
      expect((await all(`pseudonymId=${others[3]}`, 100)).map((r) => `${String(r.operation)}:${String(r.outcome)}`)).toEqual(['batchInquiry:not_found']);
    });

    it('when the records are read through the view inquiry_batch_members, then each person of each batch is a row at its position', async () => {
      const rows = await api.deps.db.query<{ batch_id: string; seq: number; pseudonym_id: string; outcome: string; permit_id: string | null }>(
        'SELECT batch_id, seq, pseudonym_id, outcome, permit_id FROM inquiry_batch_members WHERE batch_id IN (?) ORDER BY batch_id, seq',
        { replacements: [batches], type: QueryTypes.SELECT });
      expect(rows).toHaveLength(5 + 2 + 2);
      expect(rows.find((r) => r.batch_id === batches[0] && Number(r.seq) === 3)).toMatchObject({ pseudonym_id: person, outcome: 'ok', permit_id: null });
      expect(rows.find((r) => r.batch_id === batches[2] && Number(r.seq) === 2)).toMatchObject({ pseudonym_id: person, permit_id: 'PERMIT-B1' });
    });

    it('when an auditor pages through a period, then every member of every batch comes once, in (time, record ID) order', async () => {
      const whole = await all(window, 500);
      expect(whole).toHaveLength(5 + 2 + 2 + 1);
      const key = (r: Record<string, unknown>) => `${String(r.at)}|${String(r.recordId)}`;
      expect(whole.map(key)).toEqual([...whole.map(key)].sort());
      expect(new Set(whole.map((r) => r.recordId)).size).toBe(whole.length);
      for (const limit of [1, 2, 3, 4]) expect((await all(window, limit)).map((r) => r.recordId)).toEqual(whole.map((r) => r.recordId));
      expect(whole.filter((r) => r.pseudonymId === person)).toHaveLength(4);
      expect(whole.filter((r) => r.outcome === 'not_found').map((r) => r.pseudonymId)).toEqual([others[3]]);
      // a Japan-time day that ends before the window finds none of them; a filter by case never finds batch records
      expect((await all(`pseudonymId=${person}&to=${new Date(base - 1).toISOString()}`, 100))).toEqual([]);
      expect((await get(`caseId=${randomUUID()}&${window}`)).body.items).toEqual([]);
    });

    it('when the application account tries to change or delete a record, then the grant is missing (INSERT and SELECT only)', async () => {
      for (const sql of ["UPDATE inquiry_batches SET purpose = 'x' WHERE 1 = 0", 'DELETE FROM inquiry_batches WHERE 1 = 0',
        "UPDATE inquiry_batch_members SET outcome = 'ok' WHERE 1 = 0", 'DELETE FROM inquiry_batch_members WHERE 1 = 0',
        "INSERT INTO inquiry_batch_members (pseudonym_id, batch_id, seq, outcome) VALUES ('x', 'x', 1, 'ok')",
        "UPDATE inquiry_records SET outcome = 'ok' WHERE 1 = 0", 'DELETE FROM inquiry_records WHERE 1 = 0']) {
        await expect(api.deps.db.query(sql)).rejects.toMatchObject({ parent: { errno: 1142 } });
      }
    });
  });

  describe('retention purge of inquiry results', () => {
    const result = async (id: string) => (await api.deps.db.query<{ result: unknown; purged_at: string | null }>(
      'SELECT result, purged_at FROM inquiry_results WHERE case_id = ?', { replacements: [id], type: QueryTypes.SELECT }))[0];
    const keep = async (expires: Date) => {
      const id = randomUUID();
      await api.deps.db.query(
        "INSERT INTO inquiry_results (case_id, kind, result, created_at, expires_at) VALUES (?, 'identity', ?, ?, ?)",
        { replacements: [id, JSON.stringify({ address: '東京都千代田区霞が関2-1-3' }), sqlTime(), sqlTime(expires)] });
      return id;
    };

    it('when the admin command runs, then expired results are emptied, live ones kept, and the purge is audited', async () => {
      const expired = await keep(new Date(Date.now() - 60_000));
      const live = await keep(new Date(Date.now() + 86_400_000));
      const { stdout } = await run('npx', ['tsx', 'scripts/admin.ts', 'inquiries:purge', '--json'], { env: process.env });
      expect(JSON.parse(stdout).purged).toBeGreaterThanOrEqual(1);
      expect(await result(expired)).toMatchObject({ result: null, purged_at: expect.anything() });
      expect((await result(live)).result).not.toBeNull();
      const [entry] = await api.deps.db.query<{ actor: string }>(
        "SELECT actor FROM audit_log WHERE action = 'inquiry_results.purge' ORDER BY seq DESC LIMIT 1", { type: QueryTypes.SELECT });
      expect(entry.actor).toMatch(/^admin:/);
      const again = await run('npx', ['tsx', 'scripts/admin.ts', 'inquiries:purge'], { env: process.env });
      expect(again.stdout).toMatch(/^0 inquiry result/);
    }, 60_000);

    it('when the worker runs, then its periodic job purges what expires', async () => {
      const expired = await keep(new Date(Date.now() - 1_000));
      const job = startInquiryPurge({ ...config, INQUIRY_PURGE_INTERVAL_S: 1 }, api.deps.db, createLogger('test', 'silent'));
      try {
        const until = Date.now() + 20_000;
        while (Date.now() < until && (await result(expired)).result !== null) await new Promise((r) => setTimeout(r, 250));
      } finally {
        await job.stop();
      }
      expect((await result(expired)).result).toBeNull();
    }, 30_000);
  });
});
