/**
 * A worker killed mid-run resumes without losing or repeating a finding (issue #6): the worker is
 * a child process (tests/reconciliation/worker-process.ts) on a task queue of its own, SIGKILLed
 * once some pages of 180 registrants (pages of 15) are done and others are not; a new worker takes
 * over (the killed worker's activities are retried after their heartbeat timeout) and the run
 * must end with exactly the scripted findings, one case per death, one notice per name or 本籍
 * change, one audited address update per move, and every registrant counted once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { startPipeline, until, type Pipeline } from '../e2e/pipeline';
import { reconciliationWorkflow } from '../../workflows';
import { reconciliationWorkflowId } from '../../workflows/reconciliation/model';
import { addRegistrant, findingsOf, honsekiChange, jukiEvent, type Registrant } from './fixture';

const ROOT = path.resolve(__dirname, '../..');
const children: ChildProcess[] = [];
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline();
}, 60_000);
const people: Registrant[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // Erased, so the other reconciliation tests (pages of 4) do not page through them again (R6.1).
  if (people.length) {
    await p.runtime.db.query("UPDATE registrants SET qualification_status = 'erased', erased_at = NOW(3) WHERE registrant_id IN (?)",
      { replacements: [people.map((r) => r.registrantId)] });
  }
  await p.close();
});

/** A worker process on `taskQueue`; resolves once it polls. */
async function spawnWorker(taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/reconciliation/worker-process.ts'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEMPORAL_TASK_QUEUE: taskQueue, RECONCILIATION_CASE_STARTS_PER_SECOND: '20', LOG_LEVEL: 'error' },
  });
  children.push(child);
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => {
    errors = (errors + d.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start: ${errors}`)), 90_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code}) before it was ready: ${errors}`));
    });
  });
  return child;
}

async function pagesOf(runId: string) {
  const [r] = await p.runtime.db.query<{ n: number; done: number }>(
    'SELECT COUNT(*) AS n, COUNT(done_at) AS done FROM reconciliation_pages WHERE run_id = ?', { replacements: [runId], type: QueryTypes.SELECT });
  return { n: Number(r?.n ?? 0), done: Number(r?.done ?? 0) };
}

const count = async (sql: string, replacements: unknown[]) =>
  Number((await p.runtime.db.query<{ n: number }>(sql, { replacements, type: QueryTypes.SELECT }))[0]?.n ?? 0);

describe('yearly reconciliation, worker killed', () => {
  it('when the worker is killed mid-run, then a new worker completes the run with exactly the scripted findings, none twice', async () => {
    for (let i = 0; i < 180; i += 12) people.push(...await Promise.all(Array.from({ length: 12 }, () => addRegistrant(p))));
    const pick = (k: number) => people[k * 14 + 3]!; // spread over the keyset pages
    const deaths = [pick(0), pick(1), pick(2)];
    const moves = [pick(3), pick(4), pick(5)];
    const names = [pick(6), pick(7), pick(8)];
    const honseki = [pick(9), pick(10), pick(11)];
    for (const [i, r] of deaths.entries()) await jukiEvent(p, { myNumber: r.myNumber, type: 'death', date: `2026-05-0${i + 1}` });
    for (const [i, r] of moves.entries()) {
      await jukiEvent(p, { myNumber: r.myNumber, type: 'move', date: '2026-07-01', newAddress: `大阪府大阪市北区梅田1-1-${i + 1}`, newPostalCode: '5300001' });
    }
    for (const r of names) await jukiEvent(p, { myNumber: r.myNumber, type: 'name_change', date: '2026-08-01', newNameKanji: '改姓　花子', newNameKana: 'カイセイ　ハナコ' });
    for (const [i, r] of honseki.entries()) await honsekiChange(p, r.myNumber!, `北海道札幌市中央区北一条西${i + 1}丁目1番地`);

    const taskQueue = `recon-kill-${randomUUID()}`;
    const first = await spawnWorker(taskQueue);
    const runId = randomUUID();
    const handle = await p.deps.temporal.workflow.start(reconciliationWorkflow, {
      taskQueue, workflowId: reconciliationWorkflowId(runId),
      args: [{ runId, trigger: 'manual', startedBy: 'jest', settings: { pageSize: 15, pagesPerRun: 3, pagesInFlight: 2, pollInterval: '1 second' } }],
    });

    // Killed while pages are in flight: some done, not all.
    await until(async () => (await pagesOf(runId)).done >= 2, 120_000, 'two pages done');
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    const atKill = await pagesOf(runId);
    const [{ total }] = await p.runtime.db.query<{ total: number }>('SELECT total FROM reconciliation_runs WHERE run_id = ?',
      { replacements: [runId], type: QueryTypes.SELECT });
    expect(atKill.done).toBeLessThan(Math.ceil(Number(total) / 15));

    const second = await spawnWorker(taskQueue);
    const result = await handle.result();
    second.kill('SIGTERM');

    // Every registrant counted once, every scripted change found once.
    expect(result.processed).toBe(Number(total));
    expect(result).toMatchObject({ deaths: 3, moves: 3, nameChanges: 3, honsekiChanges: 3, casesStarted: 3 });
    const found = (await findingsOf(p, people.map((r) => r.registrantId))).map((f) => `${f.registrant_id}:${f.kind}`).sort();
    const expected = [
      ...deaths.map((r) => `${r.registrantId}:death`), ...moves.map((r) => `${r.registrantId}:move`),
      ...names.map((r) => `${r.registrantId}:name_change`), ...honseki.map((r) => `${r.registrantId}:honseki_change`),
    ].sort();
    expect(found).toEqual(expected);
    expect(await count("SELECT COUNT(*) AS n FROM reconciliation_findings WHERE run_id = ? AND action_status <> 'done'", [runId])).toBe(0);

    // Follow-ups once each: a deletion case per death, a notice per rewrite, an audited update per move.
    const ids = (rs: Registrant[]) => rs.map((r) => r.registrantId);
    const cases = await p.runtime.db.query<{ registrant_id: string; n: number }>(
      "SELECT registrant_id, COUNT(*) AS n FROM cases WHERE registrant_id IN (?) AND type = 'deletion' GROUP BY registrant_id",
      { replacements: [ids(deaths)], type: QueryTypes.SELECT });
    expect(cases.map((c) => [c.registrant_id, Number(c.n)]).sort()).toEqual(ids(deaths).map((id) => [id, 1]).sort());
    expect(await count('SELECT COUNT(*) AS n FROM registrant_notices WHERE registrant_id IN (?)', [[...ids(names), ...ids(honseki)]])).toBe(6);
    expect(await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'registrant.address_update' AND target_id IN (?)", [ids(moves)])).toBe(3);
    // Nobody's 情報提供等記録 is lost (a page re-asked after the kill may legitimately be recorded twice).
    expect(await count(
      `SELECT COUNT(DISTINCT m.pseudonym_id) AS n FROM inquiry_batch_members m JOIN inquiry_batches b ON b.batch_id = m.batch_id
      WHERE b.remote = 'juki' AND b.operation = 'batchInquiry' AND m.pseudonym_id IN (?)`,
      [ids(people)])).toBe(people.length);
  }, 300_000);
});
