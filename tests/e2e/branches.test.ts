/**
 * The branches of a registration over real HTTP (issue #4): identity mismatch, 本籍
 * undeterminable then resubmission with a certificate, return for correction, paper with revenue
 * stamps, withdrawal (before acceptance, refused after), and an online payment arriving after
 * its case expired (refunded at once).
 */
import { QueryTypes } from 'sequelize';
import { call } from '../integration/auth-helpers';
import { claimAndDecide, fileCase, hasStatus, newPerson, registrationBody, until, usePipeline, waitForCase } from './pipeline';

jest.setTimeout(180_000);

const PDF = Buffer.from('%PDF-1.4\n% certificate scan\n').toString('base64');

describe('registration branches', () => {
  const { p, a } = usePipeline({ PAYMENT_EXPIRY: '3 seconds' });

  const underReview = async (caseId: string) => (await waitForCase(p, a.portal, caseId, hasStatus('under_review'))).reviewTask!.taskId;

  it('identity mismatch: the reviewer sees which fields differ and the registry’s values; a rejection ends the case', async () => {
    const person = await newPerson(p, { jukiDiffers: { address: '大阪府大阪市北区中之島1-3-20' } });
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const taskId = await underReview(caseId);
    const detail = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(detail.body.findings).toMatchObject({ identity: { outcome: 'mismatch', discrepancies: ['address'] } });
    expect(detail.body.registryAnswers).toMatchObject({ identity: { address: '大阪府大阪市北区中之島1-3-20' } });
    const noReason = await claimAndDecide(p, a.reviewer, taskId, 'reject');
    expect(noReason.status).toBe(400);
    expect((await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/decision`, { token: a.reviewer,
      body: { decision: 'reject', reason: '住所が住民票と一致しない' } })).status).toBe(200);
    const closed = await waitForCase(p, a.portal, caseId, hasStatus('rejected'));
    expect(closed.history.at(-1)).toMatchObject({ status: 'rejected', note: '住所が住民票と一致しない' });
    expect(closed.payment).toBeNull();
  });

  it('a My Number unknown to 住基ネット: the reviewer sees it (identity not_found) and decides; the case does not fail', async () => {
    const person = await newPerson(p, { juki: false });
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const taskId = await underReview(caseId);
    const detail = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(detail.body.findings).toMatchObject({ identity: { outcome: 'not_found', discrepancies: [] }, honseki: { outcome: 'match' } });
    expect((await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/claim`, { token: a.reviewer })).status).toBe(200);
    expect((await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/decision`, { token: a.reviewer,
      body: { decision: 'return', reason: '個人番号を確認してください' } })).status).toBe(200);
    await waitForCase(p, a.portal, caseId, hasStatus('returned_for_correction'));
  });

  it('a person the 中間サーバー does not know: the 本籍 is undeterminable and the case is returned asking for a certificate', async () => {
    const person = await newPerson(p, { chukan: false });
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const returned = await waitForCase(p, a.portal, caseId, hasStatus('returned_for_correction'));
    expect(returned.history?.at(-1)).toMatchObject({ status: 'returned_for_correction', note: 'honseki_undeterminable' });
  });

  it('本籍 undeterminable: returned asking for a certificate; resubmitted with it, the reviewer checks the document', async () => {
    const person = await newPerson(p, { honseki: null });
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const returned = await waitForCase(p, a.portal, caseId, hasStatus('returned_for_correction'));
    expect(returned.history.at(-1)?.note).toBe('honseki_undeterminable');
    const notices = await call(p.url, 'GET', `/api/v1/cases/${caseId}/notices`, { token: a.portal });
    expect(JSON.stringify(notices.body)).toContain('戸籍個人事項証明書');
    const re = await call(p.url, 'POST', `/api/v1/cases/${caseId}/resubmission`, { token: a.portal,
      body: { changes: {}, note: '証明書を添付', attachments: [{ name: 'koseki.pdf', contentType: 'application/pdf', dataBase64: PDF }] } });
    expect(re.status).toBe(202);
    const taskId = await underReview(caseId);
    const detail = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(detail.body.findings).toMatchObject({ honseki: { outcome: 'documents' } });
    expect(detail.body.attachments).toHaveLength(1);
    const again = await call(p.url, 'POST', `/api/v1/cases/${caseId}/resubmission`, { token: a.portal, body: { changes: {} } });
    expect(again.status).toBe(409);
  });

  it('return for correction ⇄ resubmission, then approval in a second review round', async () => {
    const person = await newPerson(p);
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const first = await underReview(caseId);
    expect((await claimAndDecide(p, a.reviewer, first, 'return', '電話番号を確認してください')).status).toBe(200);
    await waitForCase(p, a.portal, caseId, hasStatus('returned_for_correction'));
    const bad = await call(p.url, 'POST', `/api/v1/cases/${caseId}/resubmission`, { token: a.portal, body: { changes: { phone: '12' } } });
    expect(bad.status).toBe(400);
    const ok = await call(p.url, 'POST', `/api/v1/cases/${caseId}/resubmission`, { token: a.portal, body: { changes: { phone: '090-1234-5678' } } });
    expect(ok.status).toBe(202);
    const second = await underReview(caseId);
    expect(second).not.toBe(first);
    const [row] = await p.deps.db.query<{ kind: string }>('SELECT kind FROM review_tasks WHERE task_id = ?', { replacements: [second], type: QueryTypes.SELECT });
    expect(row.kind).toBe('re_review');
    expect((await claimAndDecide(p, a.reviewer, second, 'approve')).status).toBe(200);
    const c = await waitForCase(p, a.portal, caseId, hasStatus('awaiting_payment'));
    expect(c.history.map((h) => h.status)).toEqual(['received', 'identity_check', 'under_review', 'returned_for_correction', 'resubmitted',
      'identity_check', 'under_review', 'awaiting_payment']);
  });

  it('paper application with revenue stamps: the reviewer checks documents; the clerk confirms stamps covering the fee', async () => {
    const person = await newPerson(p);
    const body = { ...registrationBody(person, 'paper', 'revenue_stamp'),
      attachments: [{ name: 'juminhyo.pdf', contentType: 'application/pdf', dataBase64: PDF }] };
    const created = await fileCase(p, a.clerk, body);
    expect(created.status).toBe(201);
    const caseId = String(created.body.caseId);
    const taskId = (await waitForCase(p, a.clerk, caseId, hasStatus('under_review'))).reviewTask!.taskId;
    const detail = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(detail.body.findings).toMatchObject({ identity: { outcome: 'documents' }, honseki: { outcome: 'documents' } });
    expect((await claimAndDecide(p, a.reviewer, taskId, 'approve')).status).toBe(200);
    const awaiting = await waitForCase(p, a.clerk, caseId, hasStatus('awaiting_payment'));
    expect(awaiting.payment).toMatchObject({ method: 'revenue_stamp', checkoutUrl: null });
    const short = await call(p.url, 'POST', `/api/v1/cases/${caseId}/revenue-stamp`, { token: a.clerk, body: { amount: 100 } });
    expect(short.status).toBe(400);
    const byReviewer = await call(p.url, 'POST', `/api/v1/cases/${caseId}/revenue-stamp`, { token: a.reviewer, body: { amount: p.config.FEE_REGISTRATION } });
    expect(byReviewer.status).toBe(403);
    const stamp = await call(p.url, 'POST', `/api/v1/cases/${caseId}/revenue-stamp`, { token: a.clerk, body: { amount: p.config.FEE_REGISTRATION } });
    expect(stamp.status).toBe(200);
    const done = await waitForCase(p, a.clerk, caseId, hasStatus('completed'));
    expect(done.licenseNumber).toBeTruthy();
  });

  it('withdrawal before acceptance ends the case and cancels the task; a second withdrawal is refused', async () => {
    const person = await newPerson(p);
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    const taskId = await underReview(caseId);
    const noReason = await call(p.url, 'POST', `/api/v1/cases/${caseId}/withdraw`, { token: a.portal, body: { reason: ' ' } });
    expect(noReason.status).toBe(400);
    expect((await call(p.url, 'POST', `/api/v1/cases/${caseId}/withdraw`, { token: a.portal, body: { reason: '本人の都合' } })).status).toBe(202);
    await waitForCase(p, a.portal, caseId, hasStatus('withdrawn'));
    const [task] = await p.deps.db.query<{ status: string }>('SELECT status FROM review_tasks WHERE task_id = ?', { replacements: [taskId], type: QueryTypes.SELECT });
    expect(task.status).toBe('cancelled');
    const twice = await call(p.url, 'POST', `/api/v1/cases/${caseId}/withdraw`, { token: a.portal, body: { reason: 'again' } });
    expect(twice.status).toBe(409);
  });

  it('an unpaid case expires; a payment arriving afterwards is refunded at once and shows in the refund totals', async () => {
    const person = await newPerson(p);
    const caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
    expect((await claimAndDecide(p, a.reviewer, await underReview(caseId), 'approve')).status).toBe(200);
    const awaiting = await waitForCase(p, a.portal, caseId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
    const checkoutUrl = awaiting.payment!.checkoutUrl!;
    const failed = await waitForCase(p, a.portal, caseId, hasStatus('failed'));
    expect(failed.history.at(-1)?.note).toBe('payment_expired');
    expect(failed.payment).toMatchObject({ status: 'expired' });
    const paid = await fetch(checkoutUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(paid.ok).toBe(true);
    // Refunded by the webhook itself: the case had told the applicant it failed. (Before, the payment
    // was signalled to the still-running workflow; once, under load, the task that recorded the
    // expiry was retried with the signal in it and the case went on to complete.)
    const refunds = await until(async () => {
      const rows = await p.deps.db.query<{ kind: string; status: string; amount: number }>(
        'SELECT kind, status, amount FROM payments WHERE case_id = ? ORDER BY kind', { replacements: [caseId], type: QueryTypes.SELECT });
      return rows.some((r) => r.kind === 'refund') && rows;
    }, 20_000, 'the refund');
    expect(refunds).toEqual([
      expect.objectContaining({ kind: 'income', status: 'refunded', amount: p.config.FEE_REGISTRATION }),
      expect.objectContaining({ kind: 'refund', status: 'refunded', amount: p.config.FEE_REGISTRATION }),
    ]);
    const events = await p.deps.db.query<{ outcome: string }>(
      "SELECT e.outcome FROM payment_events e JOIN payments y ON y.payment_id = e.payment_id WHERE y.case_id = ? AND e.type = 'payment.succeeded'",
      { replacements: [caseId], type: QueryTypes.SELECT });
    expect(events).toEqual([{ outcome: 'refunded_case_closed' }]);
    await new Promise((r) => setTimeout(r, 1000)); // the workflow has nothing left that could revive the case
    expect((await waitForCase(p, a.portal, caseId, () => true)).status).toBe('failed');
  });

  it('a webhook with a bad signature is refused and changes nothing', async () => {
    const res = await fetch(`${p.url}/api/v1/payments/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': 'ab'.repeat(32) },
      body: JSON.stringify({ eventId: 'x', type: 'payment.succeeded', paymentId: 'p', caseId: 'c', amount: 1, category: 'registration', occurredAt: new Date().toISOString() }) });
    expect(res.status).toBe(401);
  });
});
