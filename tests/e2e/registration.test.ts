/**
 * A registration from intake to license over real HTTP, against the real Temporal server,
 * MariaDB, Redis, simulators and SMTP sink (issue #4).
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { call } from '../integration/auth-helpers';
import { readLicenseQr } from '../helpers/license-qr';
import { claimAndDecide, fileCase, hasStatus, mailsTo, newPerson, registrationBody, until, usePipeline, waitForCase } from './pipeline';

jest.setTimeout(120_000);

describe('registration case end to end', () => {
  const { p, a } = usePipeline();

  it('mynaportal + online payment: received → … → completed, with license PDF, print job, email and notices', async () => {
    const person = await newPerson(p);
    const key = randomUUID();
    const created = await fileCase(p, a.portal, registrationBody(person), key);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'registration', channel: 'mynaportal', status: 'received' });
    const caseId = String(created.body.caseId);

    // The same key and body answer the same case; another body under that key is refused.
    const again = await fileCase(p, a.portal, registrationBody(person), key);
    expect(again.status).toBe(201);
    expect(again.body.caseId).toBe(caseId);
    const other = await fileCase(p, a.portal, { ...registrationBody(person), passerNumber: 'OTHER-1' }, key);
    expect(other.status).toBe(409);

    const review = await waitForCase(p, a.portal, caseId, hasStatus('under_review'));
    expect(review.reviewTask).toMatchObject({ status: 'open' });
    const taskId = review.reviewTask!.taskId;

    // The queue lists it; the task shows the checks' findings.
    const queue = await call(p.url, 'GET', '/api/v1/review-tasks?status=open&limit=200', { token: a.reviewer });
    expect(queue.status).toBe(200);
    expect((queue.body.items as { taskId: string }[]).map((t) => t.taskId)).toContain(taskId);
    const detail = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(detail.body.findings).toMatchObject({ identity: { outcome: 'match' }, honseki: { outcome: 'match' },
      eligibility: { passerFound: true, passerMatches: true, returnOrderWithinYear: false } });
    expect(JSON.stringify(detail.body)).not.toContain(person.myNumber);

    // A decision without a claim is refused before it reaches the history; someone else's claim too.
    const early = await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/decision`, { token: a.reviewer, body: { decision: 'approve' } });
    expect(early.status).toBe(409);
    const decided = await claimAndDecide(p, a.reviewer, taskId, 'approve');
    expect(decided.status).toBe(200);
    const stolen = await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/claim`, { token: a.reviewer2 });
    expect(stolen.status).toBe(409);

    const awaiting = await waitForCase(p, a.portal, caseId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
    expect(awaiting.payment).toMatchObject({ method: 'online', amount: p.config.FEE_REGISTRATION, status: 'pending' });
    // The applicant pays at the gateway; the gateway calls our signed webhook.
    const paid = await fetch(awaiting.payment!.checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(paid.status).toBeLessThan(300);

    const done = await waitForCase(p, a.portal, caseId, hasStatus('completed'));
    expect(done.licenseNumber).toMatch(/^\d{8}$/);
    expect(done.registrantId).toBeTruthy();
    expect(done.history.map((h) => h.status)).toEqual(
      ['received', 'identity_check', 'under_review', 'awaiting_payment', 'registering', 'producing_license', 'completed']);
    expect(done.payment).toMatchObject({ status: 'paid' });

    // The license PDF, hash-checked, never the My Number.
    const pdf = await fetch(`${p.url}/api/v1/licenses/${done.licenseNumber}/pdf`, { headers: { authorization: `Bearer ${a.reviewer}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.includes(Buffer.from(person.myNumber))).toBe(false);

    // The registry entry: the 18 items, never the number.
    const entry = await call(p.url, 'GET', `/api/v1/registrants/${done.registrantId}`, { token: a.reviewer });
    expect(entry.status).toBe(200);
    expect(entry.body).toMatchObject({ licenseNumber: done.licenseNumber, passerNumber: person.passerNumber, qualificationStatus: 'active',
      nameKanji: person.applicant.nameKanji, honseki: '東京都', reissueCount: 0 });
    expect(JSON.stringify(entry.body)).not.toContain(person.myNumber);
    // The digital credential of the new license verifies; the paper license carries its QR.
    const cred = await call(p.url, 'GET', `/api/v1/registrants/${done.registrantId}/credential?profile=standard`, { token: a.reviewer });
    expect(cred.status).toBe(200);
    const verified = await call(p.url, 'POST', '/api/v1/verify', { body: { credential: cred.body.credential } });
    expect(verified.body).toMatchObject({ valid: true, license: expect.objectContaining({ licenseNumber: done.licenseNumber }) });
    // The paper license's QR code, read off the rasterised PDF, is a credential that verifies too.
    const printed = readLicenseQr(bytes);
    expect(printed).toMatch(/\/v#\d+$/);
    const paperVerified = await call(p.url, 'POST', '/api/v1/verify', { body: { credential: printed } });
    expect(paperVerified.body).toMatchObject({ valid: true, license: expect.objectContaining({ licenseNumber: done.licenseNumber }) });
    const search = await call(p.url, 'GET', `/api/v1/registrants?licenseNumber=${done.licenseNumber}`, { token: a.reviewer });
    expect(search.body.items).toEqual([expect.objectContaining({ registrantId: done.registrantId, nameKanji: '水＊　太＊' })]);

    // Print job done, email delivered, online notices readable by the applicant's portal.
    await until(async () => {
      const [doc] = await p.deps.db.query<{ print_status: string }>(
        "SELECT print_status FROM documents WHERE registrant_id = ? AND kind = 'license_pdf'", { replacements: [done.registrantId], type: QueryTypes.SELECT });
      return doc?.print_status === 'printed';
    }, 20_000, 'the print job');
    const mails = await until(async () => {
      const m = await mailsTo(p, person.applicant.email);
      return m.some((x) => x.subject.includes('免状を交付しました')) && m;
    }, 20_000, 'the completion email');
    expect(mails.map((m) => m.subject).join('\n')).toContain('申請を受け付けました');
    const notices = await call(p.url, 'GET', `/api/v1/cases/${caseId}/notices`, { token: a.portal });
    expect((notices.body.items as { kind: string }[]).map((n) => n.kind)).toEqual(['received', 'payment_requested', 'completed']);

    // Income shows in the summary of today (Japan time).
    const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
    const summary = await call(p.url, 'GET', `/api/v1/payments/summary?from=${today}&to=${today}&groupBy=category`, { token: a.supervisor });
    expect(summary.status).toBe(200);
    const reg = (summary.body.groups as { key: string; income: { amount: number } }[]).find((g) => g.key === 'registration');
    expect(reg?.income.amount).toBeGreaterThanOrEqual(p.config.FEE_REGISTRATION);
  });

  it('refuses invalid applications with a clear message per field, and stores nothing', async () => {
    const person = await newPerson(p, { passer: false });
    const bad = registrationBody(person) as { applicant: Record<string, string> };
    bad.applicant = { ...bad.applicant, myNumber: '123456789012', nameKana: 'すいどう たろう', postalCode: '100-00', birthDate: '2026-02-30' };
    const res = await fileCase(p, a.portal, bad);
    expect(res.status).toBe(400);
    const issues = (res.body.error as unknown as { details: { issues: { path: string; message: string }[] } }).details.issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['applicant.birthDate', 'applicant.myNumber', 'applicant.nameKana', 'applicant.postalCode']);
    expect(JSON.stringify(res.body)).not.toContain('123456789012');
    const noKey = await call(p.url, 'POST', '/api/v1/cases', { token: a.portal, body: registrationBody(person) });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error?.message).toMatch(/Idempotency-Key/);
  });

  it('accepts a name outside the BMP (𠮷) and counts it as one character', async () => {
    const person = await newPerson(p);
    person.applicant.nameKanji = '𠮷田　太郎';
    const res = await fileCase(p, a.portal, registrationBody(person));
    expect(res.status).toBe(201);
  });
});
