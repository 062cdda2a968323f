/**
 * Two ends of a license's life over real HTTP (issue #6 leftovers):
 * - a lost license found after its reissue (再交付後に発見) is returned through POST /api/v1/cases
 *   (`type: return`, `event: found_after_reissue`, `licenseEdition`): reviewed, recorded in
 *   `registry_changes` with the edition, the current license untouched, the found edition's
 *   credential refused as 再交付; refused at intake when there is nothing such to return;
 * - a person whose entry was erased registers again: a new entry, 資格仮名ID and license number,
 *   the erased entry and its My Number link kept, lookups finding the live entry — unless the
 *   person died.
 * Every person here agrees with the 住基ネット simulator at the end (a death is scripted there
 * too), so a later reconciliation in the same run sees none of them as a difference.
 */
import { QueryTypes } from 'sequelize';
import { call } from '../integration/auth-helpers';
import {
  claimAndDecide, fileCase, hasStatus, newPerson, registerThroughApi, registrationBody, usePipeline, waitForCase, type Person,
} from './pipeline';

jest.setTimeout(240_000);

describe('found licenses and re-registration', () => {
  const { p, a } = usePipeline();

  const access = { actor: 'jest', purpose: 'test' };
  const approve = async (token: string, caseId: string) => {
    const c = await waitForCase(p, token, caseId, hasStatus('under_review'));
    const d = await claimAndDecide(p, a.reviewer, c.reviewTask!.taskId, 'approve');
    expect(d.status).toBe(200);
    return c.reviewTask!.taskId;
  };
  const entry = async (registrantId: string) => (await call(p.url, 'GET', `/api/v1/registrants/${registrantId}`, { token: a.reviewer })).body;
  const changes = (caseId: string) => p.deps.db.query<Record<string, unknown>>(
    'SELECT registrant_id, kind, event, license_edition, requested_by FROM registry_changes WHERE case_id = ?',
    { replacements: [caseId], type: QueryTypes.SELECT });
  const credentialOf = async (registrantId: string) =>
    String((await call(p.url, 'GET', `/api/v1/registrants/${registrantId}/credential?profile=standard`, { token: a.reviewer })).body.credential);
  const verify = async (credential: string) => (await call(p.url, 'POST', '/api/v1/verify', { body: { credential } })).body;
  const licensePdfs = async (registrantId: string) => Number((await p.deps.db.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM documents WHERE registrant_id = ? AND kind = 'license_pdf'",
    { replacements: [registrantId], type: QueryTypes.SELECT }))[0]!.n);
  const foundReturn = (person: Person, registrantId: string, licenseEdition?: number) => ({
    type: 'return', channel: 'mynaportal', registrantId, applicant: person.applicant, event: 'found_after_reissue',
    ...(licenseEdition === undefined ? {} : { licenseEdition }), reason: '紛失した免状を発見したため返納', payment: { method: 'online' },
  });
  const refusal = async (token: string, body: unknown) => {
    const res = await fileCase(p, token, body);
    return { status: res.status, reason: (res.body.error as { details?: { reason?: string } } | undefined)?.details?.reason };
  };

  it('when a lost license is found after its reissue, then it is returned without touching the current license', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const firstCredential = await credentialOf(reg.registrantId);
    // Nothing has been reissued yet: the holder's only license is the current one.
    expect(await refusal(a.portal, foundReturn(person, reg.registrantId, 1))).toEqual({ status: 409, reason: 'no_reissue' });

    // Reissue (再交付) for a lost license, on マイナポータル, paid online.
    const reissueId = String((await fileCase(p, a.portal, { type: 'reissue', channel: 'mynaportal', registrantId: reg.registrantId,
      applicant: person.applicant, reissueReason: 'lost', reason: '紛失', payment: { method: 'online' } })).body.caseId);
    await approve(a.portal, reissueId);
    const awaiting = await waitForCase(p, a.portal, reissueId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
    await fetch(awaiting.payment!.checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitForCase(p, a.portal, reissueId, hasStatus('completed'));
    expect(await entry(reg.registrantId)).toMatchObject({ licenseEdition: 2, reissueCount: 1 });
    const currentCredential = await credentialOf(reg.registrantId);

    // What the found license cannot be: the current one, one that never existed, or unnamed.
    expect(await refusal(a.portal, foundReturn(person, reg.registrantId, 2))).toEqual({ status: 409, reason: 'current_edition' });
    expect(await refusal(a.portal, foundReturn(person, reg.registrantId, 3))).toEqual({ status: 409, reason: 'unknown_edition' });
    const unnamed = await fileCase(p, a.portal, foundReturn(person, reg.registrantId));
    expect(unnamed.status).toBe(400);
    expect(JSON.stringify(unnamed.body)).toContain('licenseEdition');
    expect((await fileCase(p, a.portal, { ...foundReturn(person, reg.registrantId, 1), event: 'return' })).status).toBe(400);

    const created = await fileCase(p, a.portal, foundReturn(person, reg.registrantId, 1));
    expect(created.status).toBe(201);
    const caseId = String(created.body.caseId);
    expect(await refusal(a.portal, foundReturn(person, reg.registrantId, 1))).toEqual({ status: 409, reason: 'return_in_progress' });
    const taskId = await approve(a.portal, caseId);
    const task = await call(p.url, 'GET', `/api/v1/review-tasks/${taskId}`, { token: a.reviewer });
    expect(task.body.findings).toMatchObject({ identity: { outcome: 'match', discrepancies: [] }, eligibility: { notes: [] } });
    const done = await waitForCase(p, a.portal, caseId, hasStatus('completed'));
    // No fee, no new license: the case changes the record only.
    expect(done.payment).toBeNull();
    expect(done.history.map((h) => h.status)).toEqual(['received', 'identity_check', 'under_review', 'registering', 'completed']);
    expect(done).toMatchObject({ registrantId: reg.registrantId, licenseNumber: reg.licenseNumber });
    expect(await licensePdfs(reg.registrantId)).toBe(2);

    const e = await entry(reg.registrantId);
    expect(e).toMatchObject({ qualificationStatus: 'active', licenseNumber: reg.licenseNumber, licenseEdition: 2, reissueCount: 1,
      returnReason: null, erasedAt: null, erasureReason: null });
    expect(e.remarks).toMatch(/^\d{4}-\d{2}-\d{2} 再交付前の免状（第1版）を返納（紛失後に発見）$/);
    expect(await changes(caseId)).toEqual([{ registrant_id: reg.registrantId, kind: 'license_return', event: 'found_after_reissue',
      license_edition: 1, requested_by: expect.any(String) }]);
    expect(await verify(firstCredential)).toMatchObject({ valid: false, reason: '再交付' });
    expect(await verify(currentCredential)).toMatchObject({ valid: true });
    expect(await refusal(a.portal, foundReturn(person, reg.registrantId, 1))).toEqual({ status: 409, reason: 'already_returned' });

    // An edition replaced by a rewrite (書換え) was handed in then: it cannot be "found".
    const { myNumber: _m, ...contact } = person.applicant;
    const rewriteId = String((await fileCase(p, a.clerk, { type: 'rewrite', channel: 'paper', registrantId: reg.registrantId, applicant: contact,
      changes: { phone: '0355556666' }, payment: { method: 'revenue_stamp' } })).body.caseId);
    await approve(a.clerk, rewriteId);
    await waitForCase(p, a.clerk, rewriteId, hasStatus('awaiting_payment'));
    expect((await call(p.url, 'POST', `/api/v1/cases/${rewriteId}/revenue-stamp`, { token: a.clerk, body: { amount: p.config.FEE_REWRITE } })).status).toBe(200);
    await waitForCase(p, a.clerk, rewriteId, hasStatus('completed'));
    expect(await entry(reg.registrantId)).toMatchObject({ licenseEdition: 3, phone: '0355556666' });
    expect(await refusal(a.portal, foundReturn(person, reg.registrantId, 2))).toEqual({ status: 409, reason: 'not_reissued' });
  });

  it('when a person whose entry was erased registers again, then a new entry and license number are made and the old entry stays', async () => {
    const person = await newPerson(p);
    const first = await registerThroughApi(p, a, person);
    const deletionId = String((await fileCase(p, a.portal, { type: 'deletion', channel: 'mynaportal', registrantId: first.registrantId,
      applicant: person.applicant, reason: '本人の申請による削除', payment: { method: 'online' } })).body.caseId);
    await approve(a.portal, deletionId);
    await waitForCase(p, a.portal, deletionId, hasStatus('completed'));
    const erased = await entry(first.registrantId);
    expect(erased).toMatchObject({ qualificationStatus: 'erased' });

    // The same person, the same My Number and passer number, through the same API.
    const second = await registerThroughApi(p, a, person);
    expect(second.registrantId).not.toBe(first.registrantId);
    expect(second.licenseNumber).not.toBe(first.licenseNumber);
    expect(await entry(second.registrantId)).toMatchObject({ qualificationStatus: 'active', licenseNumber: second.licenseNumber,
      passerNumber: person.passerNumber, nameKanji: person.applicant.nameKanji, licenseEdition: 1, reissueCount: 0, erasedAt: null });
    // The erased entry is kept exactly as it was, with its own link to the My Number.
    expect(await entry(first.registrantId)).toEqual(erased);
    expect(await p.runtime.vault.reveal(first.registrantId, access)).toBe(person.myNumber);
    expect(await p.runtime.vault.reveal(second.registrantId, access)).toBe(person.myNumber);
    // A lookup by the My Number's blind index finds the live entry.
    expect(await p.runtime.vault.lookup(person.myNumber, access)).toBe(second.registrantId);
    const [caseRow] = await p.deps.db.query<{ pseudonym_id: string; registrant_id: string }>(
      'SELECT pseudonym_id, registrant_id FROM cases WHERE case_id = ?', { replacements: [second.caseId], type: QueryTypes.SELECT });
    expect(caseRow).toEqual({ pseudonym_id: second.registrantId, registrant_id: second.registrantId });
    // The 機関別符号 is the person's: the new entry keeps the one obtained before.
    const codes = await p.deps.db.query<{ pseudonym_id: string; institution_code: string }>(
      'SELECT pseudonym_id, institution_code FROM institution_codes WHERE pseudonym_id IN (?)',
      { replacements: [[first.registrantId, second.registrantId]], type: QueryTypes.SELECT });
    expect(codes).toHaveLength(2);
    expect(codes[0]!.institution_code).toBe(codes[1]!.institution_code);

    // Later cases on マイナポータル belong to the live entry, not to the erased one.
    const phone = (registrantId: string) => ({ type: 'change', channel: 'mynaportal', registrantId, applicant: person.applicant,
      changes: { phone: '0399998888' }, payment: { method: 'online' } });
    expect((await fileCase(p, a.portal, phone(first.registrantId))).status).toBe(403);
    const change = await fileCase(p, a.portal, phone(second.registrantId));
    expect(change.status).toBe(201);
    await approve(a.portal, String(change.body.caseId));
    await waitForCase(p, a.portal, String(change.body.caseId), hasStatus('completed'));
    expect(await entry(second.registrantId)).toMatchObject({ phone: '0399998888' });
  });

  it('when a person whose entry was erased for death applies again, then the application is refused on every channel', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    // The death as 住基ネット records it, and the family's return of the license (死亡届による返納).
    await fetch(`${p.config.JUKI_SIM_URL}/admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ myNumber: person.myNumber, type: 'death', date: '2026-10-01' }) });
    const returnId = String((await fileCase(p, a.clerk, { type: 'return', channel: 'paper', registrantId: reg.registrantId,
      event: 'death', reason: '死亡届による返納', payment: { method: 'revenue_stamp' } })).body.caseId);
    await approve(a.clerk, returnId);
    await waitForCase(p, a.clerk, returnId, hasStatus('completed'));
    expect(await entry(reg.registrantId)).toMatchObject({ qualificationStatus: 'erased' });

    const cases = async () => Number((await p.deps.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM cases WHERE type = 'registration' AND passer_number = ?",
      { replacements: [person.passerNumber], type: QueryTypes.SELECT }))[0]!.n);
    expect(await cases()).toBe(1);
    const online = await fileCase(p, a.portal, registrationBody(person));
    expect(online.status).toBe(409);
    expect(online.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'deceased' } });
    expect(JSON.stringify(online.body)).not.toContain(person.myNumber);
    // On paper there is no My Number: the passer number (合格者番号) is the person's.
    expect(await refusal(a.clerk, registrationBody(person, 'paper', 'revenue_stamp'))).toEqual({ status: 409, reason: 'deceased' });
    expect(await cases()).toBe(1);
    // No new 資格仮名ID was made: the person's only link is the erased entry's.
    expect(await p.runtime.vault.lookup(person.myNumber, access)).toBe(reg.registrantId);
  });
});
