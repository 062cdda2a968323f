/**
 * The case activities against the real database, vault and simulators, outside a workflow
 * (MockActivityEnvironment): the rules that hold whoever calls them.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { QueryTypes } from 'sequelize';
import { createCaseActivities } from '../../activities/case';
import { createRuntime, type Runtime } from '../../activities/runtime';
import { sqlTime } from '../../db/connection';
import { config } from '../helpers/env';
import { newMyNumber } from '../e2e/pipeline';

let rt: Runtime;
let acts: ReturnType<typeof createCaseActivities>;
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const env = new MockActivityEnvironment(undefined, { logger: quiet });

beforeAll(() => {
  rt = createRuntime(config);
  acts = createCaseActivities(rt);
});
afterAll(() => rt.close());

async function caseWith(status: string, myNumber: string): Promise<string> {
  const caseId = randomUUID();
  const { pseudonymId } = await rt.vault.store(myNumber, { actor: 'jest', purpose: 'test', caseId });
  await rt.db.query(
    `INSERT INTO cases (case_id, type, channel, status, idempotency_key, request_hash, pseudonym_id, passer_number, applicant, payment_method, created_by, created_at, updated_at)
     VALUES (?, 'registration', 'mynaportal', ?, ?, REPEAT('0', 64), ?, 'P-1', ?, 'online', 'jest', ?, ?)`,
    { replacements: [caseId, status, randomUUID(), pseudonymId, JSON.stringify({ nameKanji: '水道　花子', nameKana: 'スイドウ　ハナコ',
      birthDate: '1990-01-01', sex: 'female', postalCode: '1000013', address: '東京都千代田区霞が関2-1-3', phone: '0312345678',
      email: 'h@example.jp', honseki: '東京都' }), sqlTime(), sqlTime()] });
  return caseId;
}

const records = (caseId: string) => rt.db.query<{ remote: string; outcome: string; purpose: string; actor: string; pseudonym_id: string }>(
  'SELECT remote, outcome, purpose, actor, pseudonym_id FROM inquiry_records WHERE case_id = ? ORDER BY at', { replacements: [caseId], type: QueryTypes.SELECT });

describe('case activities', () => {
  it('refuses a 住基ネット inquiry about a person in no open case and not registered (R6.1), and records the refusal', async () => {
    const caseId = await caseWith('withdrawn', newMyNumber());
    await expect(env.run(acts.verifyIdentity, { caseId })).rejects.toMatchObject({ type: 'INQUIRY_NOT_ALLOWED', nonRetryable: true });
    expect(await records(caseId)).toEqual([expect.objectContaining({ remote: 'juki', outcome: 'refused' })]);
    // The vault was never opened for it: no reveal in the audit log for this case.
    const [reveals] = await rt.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'my_number.reveal' AND detail LIKE ?", { replacements: [`%${caseId}%`], type: QueryTypes.SELECT });
    expect(Number(reveals.n)).toBe(0);
  });

  it('records every inquiry with purpose and actor (情報提供等記録); the 本籍 inquiry uses the institution code obtained once', async () => {
    const myNumber = newMyNumber();
    await fetch(`${config.CHUKAN_SIM_URL}/admin/residents`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ myNumber, honseki: '大阪府' }) });
    const caseId = await caseWith('identity_check', myNumber);
    expect(await env.run(acts.checkHonseki, { caseId })).toEqual({ outcome: 'changed' });
    expect(await env.run(acts.checkHonseki, { caseId })).toEqual({ outcome: 'changed' });
    const recs = await records(caseId);
    expect(recs.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']); // code once, then two inquiries with the code
    expect(recs.every((r) => r.purpose.includes('本籍') && r.actor === 'system:case-workflow')).toBe(true);
    expect(JSON.stringify(recs)).not.toContain(myNumber);
  });

  it('purges inquiry results after their retention, logically and once', async () => {
    const caseId = await caseWith('identity_check', newMyNumber());
    await rt.db.query("INSERT INTO inquiry_results (case_id, kind, result, created_at, expires_at) VALUES (?, 'identity', '{\"address\":\"x\"}', ?, ?)",
      { replacements: [caseId, sqlTime(new Date(Date.now() - 100 * 86_400_000)), sqlTime(new Date(Date.now() - 86_400_000))] });
    const first = await env.run<[{ now?: string }], { purged: number }, typeof acts.purgeInquiryResults>(acts.purgeInquiryResults, {});
    expect(first.purged).toBeGreaterThanOrEqual(1);
    const [row] = await rt.db.query<{ result: unknown; purged_at: Date | null }>('SELECT result, purged_at FROM inquiry_results WHERE case_id = ?',
      { replacements: [caseId], type: QueryTypes.SELECT });
    expect(row.result).toBeNull();
    expect(row.purged_at).not.toBeNull();
    expect((await acts.purgeInquiryResults({})).purged).toBe(0);
  });

  it('registers idempotently: a retried registration answers the same registrant and license number', async () => {
    const caseId = await caseWith('registering', newMyNumber());
    const a = await env.run<[{ caseId: string }], { registrantId: string; licenseNumber: string }, typeof acts.registerRegistrant>(acts.registerRegistrant, { caseId });
    const b = await env.run(acts.registerRegistrant, { caseId });
    expect(b).toEqual(a);
    const [n] = await rt.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM registrants WHERE license_number = ?',
      { replacements: [a.licenseNumber], type: QueryTypes.SELECT });
    expect(Number(n.n)).toBe(1);
  });

  it('records the status changes before a step in one go, each once however often the step is retried', async () => {
    const caseId = await caseWith('received', newMyNumber());
    const step = { caseId, before: [{ status: 'received' as const, seq: 1, notify: { kind: 'received' } }, { status: 'identity_check' as const, seq: 2 }] };
    await env.run(acts.checkEligibility, step);
    await env.run(acts.checkEligibility, step);
    const history = await rt.db.query<{ status: string }>('SELECT status FROM case_history WHERE case_id = ? ORDER BY id',
      { replacements: [caseId], type: QueryTypes.SELECT });
    expect(history.map((h) => h.status)).toEqual(['received', 'identity_check']);
    const [c] = await rt.db.query<{ status: string }>('SELECT status FROM cases WHERE case_id = ?', { replacements: [caseId], type: QueryTypes.SELECT });
    expect(c.status).toBe('identity_check');
    const notices = await rt.db.query<{ kind: string }>('SELECT kind FROM notices WHERE case_id = ?', { replacements: [caseId], type: QueryTypes.SELECT });
    expect(notices.map((n) => n.kind)).toEqual(['received']);
  });

  it('a step carrying the review decision and the payment before it (fused-steps) records each once, however often it is retried', async () => {
    const caseId = await caseWith('awaiting_payment', newMyNumber());
    const taskId = randomUUID();
    const paymentId = randomUUID();
    const findings = { identity: { outcome: 'match' as const, discrepancies: [] }, honseki: { outcome: 'match' as const },
      eligibility: { passerFound: true, passerMatches: true, returnOrderWithinYear: false, notes: [] } };
    const task = await env.run(acts.openReviewTask, { caseId, taskId, kind: 'review', dueBusinessDays: 10, findings });
    // A retried opening answers the due date first stored.
    expect(await env.run(acts.openReviewTask, { caseId, taskId, kind: 'review', dueBusinessDays: 3, findings })).toEqual(task);
    await env.run(acts.createPayment, { caseId, paymentId, method: 'revenue_stamp' as const, amount: 2300 });
    const step = { caseId, task: { taskId, status: 'decided' as const, actor: 'reviewer1', decision: 'approve' as const },
      settle: { caseId, paymentId, outcome: 'paid' as const, amount: 2300, externalRef: 'stamp-1' }, before: [{ status: 'registering' as const, seq: 7 }] };
    const first = await env.run(acts.registerRegistrant, step);
    expect(await env.run(acts.registerRegistrant, step)).toEqual(first);
    const audits = await rt.db.query<{ action: string; n: number }>(
      'SELECT action, COUNT(*) AS n FROM audit_log WHERE target_id IN (?, ?) GROUP BY action ORDER BY action',
      { replacements: [taskId, paymentId], type: QueryTypes.SELECT });
    expect(audits.map((a) => [a.action, Number(a.n)])).toEqual([['payment.paid', 1], ['review_task.decided', 1]]);
    const [t] = await rt.db.query<{ status: string; decision: string }>('SELECT status, decision FROM review_tasks WHERE task_id = ?',
      { replacements: [taskId], type: QueryTypes.SELECT });
    expect(t).toEqual({ status: 'decided', decision: 'approve' });
    const [p] = await rt.db.query<{ status: string }>('SELECT status FROM payments WHERE payment_id = ?', { replacements: [paymentId], type: QueryTypes.SELECT });
    expect(p.status).toBe('paid');
  });
});
