/**
 * Refusals at the registration step (受理・登録) over real HTTP: an approved, paid case whose
 * registrant entry changed after intake — erased by another case, revoked, or the person
 * registered by a parallel application — ends `rejected` with the reason, its fee refunded
 * (payments and the totals), a notice and an email, and an audit entry, instead of failing the
 * workflow in `registering`. And intake refuses outright the later cases an entry's state takes
 * no more (409 `details.reason`), so only the race reaches the registration step.
 * Every person here stays as 住基ネット knows them (nobody moves or dies), so a later
 * reconciliation in the same run sees none of them as a difference.
 */
import { QueryTypes } from 'sequelize';
import { todayInTokyo } from '../../domain/iso-date';
import { call } from '../integration/auth-helpers';
import {
  claimAndDecide, fileCase, hasStatus, mailsTo, newPerson, registerThroughApi, registrationBody, until, usePipeline, waitForCase, type CaseJson, type Person,
} from './pipeline';

jest.setTimeout(240_000);

describe('refusals at the registration step', () => {
  const { p, a } = usePipeline();

  const approve = async (token: string, caseId: string) => {
    const c = await waitForCase(p, token, caseId, hasStatus('under_review'));
    expect((await claimAndDecide(p, a.reviewer, c.reviewTask!.taskId, 'approve')).status).toBe(200);
  };
  const payOnline = async (caseId: string) => {
    const awaiting = await waitForCase(p, a.portal, caseId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
    const paid = await fetch(awaiting.payment!.checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(paid.status).toBeLessThan(300);
  };
  const entry = async (registrantId: string) => (await call(p.url, 'GET', `/api/v1/registrants/${registrantId}`, { token: a.reviewer })).body;
  const refundTotals = async (category: string) => {
    const today = todayInTokyo();
    const res = await call(p.url, 'GET', `/api/v1/payments/summary?from=${today}&to=${today}&groupBy=category&category=${category}`, { token: a.clerk });
    expect(res.status).toBe(200);
    return (res.body.totals as { refunds: { count: number; amount: number } }).refunds;
  };
  const paymentsOf = (caseId: string) => p.deps.db.query<{ kind: string; status: string; amount: number }>(
    'SELECT kind, status, amount FROM payments WHERE case_id = ? ORDER BY kind', { replacements: [caseId], type: QueryTypes.SELECT });
  const auditOf = (action: string, caseId: string) => p.deps.db.query<{ actor: string; target_id: string; outcome: string; detail: unknown }>(
    'SELECT actor, target_id, outcome, detail FROM audit_log WHERE action = ? AND (target_id = ? OR detail LIKE ?) ORDER BY seq',
    { replacements: [action, caseId, `%${caseId}%`], type: QueryTypes.SELECT });
  const detailOf = (row: { detail: unknown }) => (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown>;
  /** How the case's workflow ended (it records the status before its last notice, so wait for the end). */
  const workflowEnd = async (caseId: string) => {
    const handle = p.deps.temporal.workflow.getHandle(`case-${caseId}`);
    const outcome = await handle.result();
    return { outcome, status: (await handle.describe()).status.name };
  };
  const refusal = async (token: string, body: unknown) => {
    const res = await fileCase(p, token, body);
    return { status: res.status, reason: (res.body.error as { details?: { reason?: string } } | undefined)?.details?.reason };
  };

  /** What every refused case shows: the status and reason, the refund, the notice, the email, the audit entries. */
  async function expectRefused(caseId: string, person: Person, reason: string, category: string, fee: number, refundsBefore: { count: number; amount: number }) {
    const done: CaseJson = await waitForCase(p, a.portal, caseId, hasStatus('rejected'));
    expect(done.history.map((h) => h.status).slice(-3)).toEqual(['awaiting_payment', 'registering', 'rejected']);
    expect(done.history.at(-1)).toMatchObject({ status: 'rejected', note: reason });
    expect(done.payment).toMatchObject({ method: 'online', amount: fee, status: 'refunded' });
    // The workflow ended by itself: nothing is left failed in `registering` for an operator.
    expect(await workflowEnd(caseId)).toEqual({ status: 'COMPLETED', outcome: expect.objectContaining({ status: 'rejected' }) });

    // Refunded once, through the gateway (its refund webhook confirms the row), and in the totals.
    expect(await until(async () => {
      const rows = await paymentsOf(caseId);
      return rows.some((r) => r.kind === 'refund' && r.status === 'refunded') && rows;
    }, 20_000, 'the refund')).toEqual([
      expect.objectContaining({ kind: 'income', status: 'refunded', amount: fee }),
      expect.objectContaining({ kind: 'refund', status: 'refunded', amount: fee }),
    ]);
    expect(await refundTotals(category)).toEqual({ count: refundsBefore.count + 1, amount: refundsBefore.amount + fee });

    const notices = await call(p.url, 'GET', `/api/v1/cases/${caseId}/notices`, { token: a.portal });
    expect(notices.status).toBe(200);
    const notice = (notices.body.items as { kind: string; subject: string; body: string }[]).filter((n) => n.kind === 'registration_refused');
    expect(notice).toHaveLength(1);
    expect(notice[0]!.body).toContain(caseId);
    expect(notice[0]!.body).toContain('返金します');
    expect(notice[0]!.body).not.toContain(person.myNumber);
    await until(async () => (await mailsTo(p, person.applicant.email)).some((m) => m.subject === notice[0]!.subject), 20_000, 'the email');

    // Audited exactly once each: the refusal with its reason, and the refund.
    const refused = await auditOf('case.registration_refused', caseId);
    expect(refused).toEqual([expect.objectContaining({ actor: 'system:case-workflow', target_id: caseId, outcome: 'denied' })]);
    expect(detailOf(refused[0]!)).toEqual({ status: 'rejected', reason });
    const refunds = await auditOf('payment.refund', caseId);
    expect(refunds).toHaveLength(1);
    expect(detailOf(refunds[0]!)).toMatchObject({ caseId, amount: fee, reason: 'registration_refused' });
    return done;
  }

  it('when the entry is erased between the intake of a reissue and its registration, then the reissue is rejected and its fee refunded', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const reissue = await fileCase(p, a.portal, { type: 'reissue', channel: 'mynaportal', registrantId: reg.registrantId,
      applicant: person.applicant, reissueReason: 'lost', reason: '紛失', payment: { method: 'online' } });
    expect(reissue.status).toBe(201);
    const reissueId = String(reissue.body.caseId);
    // The same holder asks for deletion (削除) meanwhile; it has no fee and completes first.
    const deletion = await fileCase(p, a.portal, { type: 'deletion', channel: 'mynaportal', registrantId: reg.registrantId,
      applicant: person.applicant, reason: '本人の申請による削除', payment: { method: 'online' } });
    expect(deletion.status).toBe(201);
    await approve(a.portal, reissueId);
    await approve(a.portal, String(deletion.body.caseId));
    await waitForCase(p, a.portal, String(deletion.body.caseId), hasStatus('completed'));
    const erased = await entry(reg.registrantId);
    expect(erased).toMatchObject({ qualificationStatus: 'erased', reissueCount: 0, licenseEdition: 1 });

    const before = await refundTotals('reissue');
    await payOnline(reissueId);
    const done = await expectRefused(reissueId, person, 'registrant_erased', 'reissue', p.config.FEE_REISSUE, before);
    expect(done).toMatchObject({ licenseNumber: reg.licenseNumber, registrantId: reg.registrantId });
    // The erased entry is untouched: no reissue recorded, no new license rendered.
    expect(await entry(reg.registrantId)).toEqual(erased);
    expect(await p.deps.db.query('SELECT kind FROM registry_changes WHERE case_id = ?', { replacements: [reissueId], type: QueryTypes.SELECT })).toEqual([]);
    expect(await p.deps.db.query("SELECT document_id FROM documents WHERE case_id = ? AND kind = 'license_pdf'",
      { replacements: [reissueId], type: QueryTypes.SELECT })).toEqual([]);

    // Now intake itself refuses every later case for the erased entry (the owner on マイナポータル, a clerk on paper).
    const { myNumber: _m, ...contact } = person.applicant;
    expect(await refusal(a.portal, { type: 'change', channel: 'mynaportal', registrantId: reg.registrantId, applicant: person.applicant,
      changes: { phone: '0399998888' }, payment: { method: 'online' } })).toEqual({ status: 409, reason: 'registrant_erased' });
    expect(await refusal(a.clerk, { type: 'rewrite', channel: 'paper', registrantId: reg.registrantId, applicant: contact,
      changes: { phone: '0355556666' }, payment: { method: 'revenue_stamp' } })).toEqual({ status: 409, reason: 'registrant_erased' });
    expect(await refusal(a.clerk, { type: 'reissue', channel: 'paper', registrantId: reg.registrantId, applicant: contact,
      reissueReason: 'lost', reason: '紛失', payment: { method: 'revenue_stamp' } })).toEqual({ status: 409, reason: 'registrant_erased' });
    expect(await refusal(a.clerk, { type: 'deletion', channel: 'paper', registrantId: reg.registrantId, reason: '重複',
      payment: { method: 'revenue_stamp' } })).toEqual({ status: 409, reason: 'registrant_erased' });
    expect(await refusal(a.clerk, { type: 'return', channel: 'paper', registrantId: reg.registrantId, event: 'return', reason: '返納',
      payment: { method: 'revenue_stamp' } })).toEqual({ status: 409, reason: 'registrant_erased' });
    const refused = await fileCase(p, a.clerk, { type: 'deletion', channel: 'paper', registrantId: reg.registrantId, reason: '重複',
      payment: { method: 'revenue_stamp' } });
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('抹消') });
    const open = await p.deps.db.query("SELECT case_id FROM cases WHERE registrant_id = ? AND status NOT IN ('completed', 'rejected', 'withdrawn', 'failed')",
      { replacements: [reg.registrantId], type: QueryTypes.SELECT });
    expect(open).toEqual([]);
  });

  it('when the same person is registered by a parallel application first, then the second is rejected as already registered and refunded', async () => {
    const person = await newPerson(p);
    const first = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const second = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    expect(second).not.toBe(first);
    await approve(a.portal, first);
    await approve(a.portal, second);
    await payOnline(first);
    const registered = await waitForCase(p, a.portal, first, hasStatus('completed'));
    const before = await refundTotals('registration');
    await payOnline(second);
    const done = await expectRefused(second, person, 'already_registered', 'registration', p.config.FEE_REGISTRATION, before);
    expect(done).toMatchObject({ registrantId: null, licenseNumber: null });
    // One entry for the person, the first case's.
    const entries = await p.deps.db.query<{ registrant_id: string }>('SELECT registrant_id FROM registrants WHERE passer_number = ?',
      { replacements: [person.passerNumber], type: QueryTypes.SELECT });
    expect(entries).toEqual([{ registrant_id: registered.registrantId }]);
  });

  it('when the license is revoked, then intake refuses a rewrite or reissue but takes a change; a revocation after intake rejects the reissue at registration', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const reissueBody = { type: 'reissue', channel: 'mynaportal', registrantId: reg.registrantId, applicant: person.applicant,
      reissueReason: 'lost', reason: '紛失', payment: { method: 'online' } };
    const raced = await fileCase(p, a.portal, reissueBody);
    expect(raced.status).toBe(201);
    const racedId = String(raced.body.caseId);
    await approve(a.portal, racedId);
    await waitForCase(p, a.portal, racedId, hasStatus('awaiting_payment'));
    // Revoked as a decided return order (返納命令) leaves it; the disposition itself is tested in dispositions.test.ts.
    await p.deps.db.query("UPDATE registrants SET qualification_status = 'revoked', return_reason = '返納命令: テスト' WHERE registrant_id = ?",
      { replacements: [reg.registrantId] });

    expect(await refusal(a.portal, reissueBody)).toEqual({ status: 409, reason: 'registrant_revoked' });
    expect(await refusal(a.portal, { ...reissueBody, type: 'rewrite', reissueReason: undefined, reason: undefined, changes: { phone: '0355556666' } }))
      .toEqual({ status: 409, reason: 'registrant_revoked' });
    // Contact data may still be corrected: the change is filed (and withdrawn again here).
    const change = await fileCase(p, a.portal, { type: 'change', channel: 'mynaportal', registrantId: reg.registrantId, applicant: person.applicant,
      changes: { phone: '0399998888' }, payment: { method: 'online' } });
    expect(change.status).toBe(201);
    await waitForCase(p, a.portal, String(change.body.caseId), hasStatus('under_review'));
    expect((await call(p.url, 'POST', `/api/v1/cases/${String(change.body.caseId)}/withdraw`, { token: a.portal, body: { reason: '取下げ' } })).status).toBe(202);
    await waitForCase(p, a.portal, String(change.body.caseId), hasStatus('withdrawn'));

    const before = await refundTotals('reissue');
    await payOnline(racedId);
    await expectRefused(racedId, person, 'registrant_revoked', 'reissue', p.config.FEE_REISSUE, before);
    expect(await entry(reg.registrantId)).toMatchObject({ qualificationStatus: 'revoked', reissueCount: 0, licenseEdition: 1 });
  });
});
