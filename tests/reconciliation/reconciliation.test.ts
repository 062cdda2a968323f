/**
 * The yearly reconciliation end to end: the API starts a run, the workflow pages through the file
 * (pages of 4, continue-as-new every 2 pages) against the 住基ネット and 中間サーバー simulators,
 * and every scripted change starts exactly the right work. A second run finds nothing new.
 * Run with RECORD_HISTORIES=1 to refresh the saved histories of the replay test.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { QueryTypes } from 'sequelize';
import { call } from '../integration/auth-helpers';
import { actors, startPipeline, until, type Actors, type Pipeline } from '../e2e/pipeline';
import { reconciliationProgressQuery } from '../../workflows';
import { reconciliationWorkflowId } from '../../workflows/reconciliation/model';
import { addRegistrant, findingsOf, honsekiChange, jukiEvent, type Registrant } from './fixture';

let p: Pipeline;
let a: Actors;
beforeAll(async () => {
  p = await startPipeline({ RECONCILIATION_PAGE_SIZE: 4, RECONCILIATION_PAGES_PER_RUN: 2, RECONCILIATION_CASE_STARTS_PER_SECOND: 5 });
  a = await actors(p);
}, 60_000);
afterAll(() => p.close());

async function runToEnd(token: string) {
  const start = await call(p.url, 'POST', '/api/v1/reconciliations', { token, body: {} });
  expect(start.status).toBe(202);
  const runId = String(start.body.runId);
  const done = await until(async () => {
    const r = await call(p.url, 'GET', `/api/v1/reconciliations/${runId}`, { token });
    return r.status === 200 && r.body.status !== 'running' ? r.body : undefined;
  }, 90_000, 'the reconciliation run');
  return { runId, done };
}

async function recordHistories(runId: string) {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const wfId = reconciliationWorkflowId(runId);
  const first = (await p.deps.temporal.workflow.getHandle(wfId).describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined;
  const run = promisify(execFile);
  const dir = path.join(__dirname, 'histories');
  const root = path.resolve(__dirname, '../..');
  if (first) await run('npx', ['tsx', 'scripts/histories.ts', 'export', wfId, path.join(dir, 'reconciliation-first-generation-v1.json'), first], { cwd: root });
  await run('npx', ['tsx', 'scripts/histories.ts', 'export', wfId, path.join(dir, 'reconciliation-last-generation-v1.json')], { cwd: root });
}

describe('yearly reconciliation', () => {
  let people: Registrant[];
  let paper: Registrant;

  it('when residents died, moved, changed name or 本籍, then each finding starts exactly its follow-up', async () => {
    people = [];
    for (let i = 0; i < 10; i++) people.push(await addRegistrant(p));
    paper = await addRegistrant(p, { myNumber: false });
    const erased = await addRegistrant(p, { erased: true });
    const [d0, d1, m0, m1, mn, n0, h0, h1] = people as [Registrant, Registrant, Registrant, Registrant, Registrant, Registrant, Registrant, Registrant];
    await jukiEvent(p, { myNumber: d0.myNumber, type: 'death', date: '2026-05-01' });
    await jukiEvent(p, { myNumber: d1.myNumber, type: 'death', date: '2026-06-02' });
    await jukiEvent(p, { myNumber: erased.myNumber, type: 'death', date: '2026-06-03' });
    await jukiEvent(p, { myNumber: m0.myNumber, type: 'move', date: '2026-07-01', newAddress: '東京都千代田区霞が関3-3-3', newPostalCode: '1000013' });
    await jukiEvent(p, { myNumber: m1.myNumber, type: 'move', date: '2026-07-02', newAddress: '大阪府大阪市北区梅田1-1-1', newPostalCode: '5300001' });
    await jukiEvent(p, { myNumber: mn.myNumber, type: 'move', date: '2026-07-03', newAddress: '京都府京都市中京区1-2-3', newPostalCode: '6040000' });
    await jukiEvent(p, { myNumber: mn.myNumber, type: 'name_change', date: '2026-08-01', newNameKanji: '𠮷田　花子', newNameKana: 'ヨシダ　ハナコ' });
    await jukiEvent(p, { myNumber: n0.myNumber, type: 'name_change', date: '2026-08-02', newNameKanji: '髙橋　太郎', newNameKana: 'タカハシ　タロウ' });
    await honsekiChange(p, h0.myNumber!, '北海道札幌市中央区北一条西二丁目1番地');
    await honsekiChange(p, h1.myNumber!, '沖縄県那覇市泉崎一丁目2番地');

    const { runId, done } = await runToEnd(a.supervisor);
    expect(done).toMatchObject({ status: 'completed', findings: { deaths: 2, moves: 3, nameChanges: 2, honsekiChanges: 2 }, casesStarted: 2 });
    const [{ n: total }] = await p.runtime.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM registrants WHERE qualification_status <> 'erased'", { type: QueryTypes.SELECT });
    expect(done.total).toBe(Number(total));
    expect(done.processed).toBe(Number(total));

    const f = await findingsOf(p, [...people, paper, erased].map((x) => x.registrantId));
    const byPerson = (r: Registrant) => f.filter((x) => x.registrant_id === r.registrantId).map((x) => x.kind).sort();
    expect(byPerson(d0)).toEqual(['death']);
    expect(byPerson(d1)).toEqual(['death']);
    expect(byPerson(m0)).toEqual(['move']);
    expect(byPerson(m1)).toEqual(['move']);
    expect(byPerson(mn)).toEqual(['move', 'name_change']);
    expect(byPerson(n0)).toEqual(['name_change']);
    expect(byPerson(h0)).toEqual(['honseki_change']);
    expect(byPerson(h1)).toEqual(['honseki_change']);
    expect(byPerson(paper)).toEqual([]);
    expect(byPerson(erased)).toEqual([]); // erased entries are not asked about (R6.1)
    expect(f.every((x) => x.run_id === runId && x.action_status === 'done')).toBe(true);

    // death → a deletion case filed by the system, once, with its workflow started
    const cases = await p.runtime.db.query<{ case_id: string; type: string; registrant_id: string; idempotency_key: string; created_by: string }>(
      'SELECT case_id, type, registrant_id, idempotency_key, created_by FROM cases WHERE registrant_id IN (?)',
      { replacements: [[d0.registrantId, d1.registrantId]], type: QueryTypes.SELECT });
    expect(cases.map((c) => c.idempotency_key).sort()).toEqual([`recon:${d0.registrantId}:death:2026-05-01`, `recon:${d1.registrantId}:death:2026-06-02`].sort());
    expect(cases.every((c) => c.type === 'deletion' && c.created_by === 'system:reconciliation')).toBe(true);
    for (const c of cases) await expect(p.deps.temporal.workflow.getHandle(`case-${c.case_id}`).describe()).resolves.toBeDefined();

    // move → the address is updated (audited); name / 本籍 → a rewrite notice to the holder
    const [moved] = await p.runtime.db.query<{ address: string; postal_code: string }>('SELECT address, postal_code FROM registrants WHERE registrant_id = ?',
      { replacements: [m1.registrantId], type: QueryTypes.SELECT });
    expect(moved).toEqual({ address: '大阪府大阪市北区梅田1-1-1', postal_code: '5300001' });
    const notices = await p.runtime.db.query<{ registrant_id: string; kind: string }>('SELECT registrant_id, kind FROM registrant_notices WHERE registrant_id IN (?)',
      { replacements: [[mn, n0, h0, h1].map((x) => x.registrantId)], type: QueryTypes.SELECT });
    expect(notices).toHaveLength(4);
    await until(async () => {
      const [{ n }] = await p.runtime.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM registrant_notices WHERE registrant_id IN (?) AND mail_status = 'sent'",
        { replacements: [[mn, n0, h0, h1].map((x) => x.registrantId)], type: QueryTypes.SELECT });
      return Number(n) === 4;
    }, 20_000, 'the rewrite notices to be mailed');

    // progress through the query too (the last generation after continue-as-new)
    const view = await p.deps.temporal.workflow.getHandle(reconciliationWorkflowId(runId)).query(reconciliationProgressQuery);
    expect(view).toMatchObject({ runId, status: 'completed', progress: { deaths: 2, moves: 3, nameChanges: 2, honsekiChanges: 2, casesStarted: 2 } });
    expect(view.generation).toBeGreaterThan(0);

    // The My Number is nowhere but in the vault: not in the history, the audit log or our tables.
    const numbers = people.map((x) => x.myNumber!);
    const history = JSON.stringify(await p.deps.temporal.workflow.getHandle(reconciliationWorkflowId(runId)).fetchHistory());
    for (const table of ['reconciliation_runs', 'reconciliation_pages', 'reconciliation_findings', 'registrant_notices', 'inquiry_records',
      'inquiry_batches', 'inquiry_batch_members', 'audit_log', 'cases']) {
      const rows = JSON.stringify(await p.runtime.db.query(`SELECT * FROM ${table}`, { type: QueryTypes.SELECT }));
      expect(numbers.filter((n) => rows.includes(n))).toEqual([]);
    }
    expect(numbers.filter((n) => history.includes(n))).toEqual([]);
    const [batch] = await p.runtime.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'my_number.reveal_batch' AND actor = 'system:reconciliation'",
      { type: QueryTypes.SELECT });
    expect(Number(batch.n)).toBeGreaterThan(0);
    // 情報提供等記録: one record per person and inquiry (a batch row listing its persons; the view inquiry_batch_members), found by person.
    const recordsOf = (r: Registrant) => p.runtime.db.query<{ remote: string; operation: string; outcome: string; permit_id: string | null;
      batch_ref: string; actor: string }>(
      `SELECT b.remote, b.operation, m.outcome, m.permit_id, b.batch_ref, b.actor FROM inquiry_batch_members m JOIN inquiry_batches b ON b.batch_id = m.batch_id
        WHERE m.pseudonym_id = ? AND b.batch_ref LIKE ? ORDER BY m.batch_id`, { replacements: [r.registrantId, `recon:${runId}:%`], type: QueryTypes.SELECT });
    const h0Records = await recordsOf(h0);
    expect(h0Records.map((x) => `${x.remote}.${x.operation}:${x.outcome}`).sort())
      .toEqual(['chukan.inquireHonsekiBatch:ok', 'chukan.obtainInstitutionCodes:ok', 'juki.batchInquiry:ok']);
    expect(h0Records.every((x) => x.actor === 'system:reconciliation')).toBe(true);
    expect(h0Records.find((x) => x.operation === 'inquireHonsekiBatch')?.permit_id).toBeTruthy();
    // the dead are asked 住基ネット only; nobody is asked twice in a run; the erased and the paper registrant not at all
    expect((await recordsOf(d0)).map((x) => x.operation)).toEqual(['batchInquiry']);
    expect(await recordsOf(paper)).toEqual([]);
    expect(await recordsOf(erased)).toEqual([]);
    const [dup] = await p.runtime.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT m.pseudonym_id, b.operation FROM inquiry_batch_members m JOIN inquiry_batches b ON b.batch_id = m.batch_id
        WHERE b.batch_ref LIKE ? GROUP BY m.pseudonym_id, b.operation HAVING COUNT(*) > 1) x`, { replacements: [`recon:${runId}:%`], type: QueryTypes.SELECT });
    expect(Number(dup.n)).toBe(0);
    // each batch row counts its members
    const [mismatch] = await p.runtime.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM inquiry_batches b WHERE b.batch_ref LIKE ?
          AND b.members <> (SELECT COUNT(*) FROM inquiry_batch_members m WHERE m.batch_id = b.batch_id)`,
      { replacements: [`recon:${runId}:%`], type: QueryTypes.SELECT });
    expect(Number(mismatch.n)).toBe(0);
    await recordHistories(runId);
  }, 120_000);

  it('when the reconciliation runs again with nothing changed since, then it finds nothing new and starts nothing', async () => {
    const { done } = await runToEnd(a.supervisor);
    expect(done).toMatchObject({ status: 'completed', findings: { deaths: 0, moves: 0, nameChanges: 0, honsekiChanges: 0 }, casesStarted: 0 });
    expect(await findingsOf(p, people.map((x) => x.registrantId))).toHaveLength(9);
  }, 120_000);

  it('when a clerk asks, then starting and reading runs is refused; an unknown run is 404', async () => {
    expect((await call(p.url, 'POST', '/api/v1/reconciliations', { token: a.clerk, body: {} })).status).toBe(403);
    expect((await call(p.url, 'GET', '/api/v1/reconciliations/00000000-0000-4000-8000-000000000000', { token: a.supervisor })).status).toBe(404);
  });
});
