/**
 * The rest of a license's life over real HTTP (issue #6): change, rewrite, reissue, deletion,
 * and return by death — each a reviewed workflow with its own fee, reflected in the registrant
 * file, in `registry_changes`, in the license PDF and in the credential's status.
 */
import { QueryTypes } from 'sequelize';
import { call } from '../integration/auth-helpers';
import { claimAndDecide, fileCase, hasStatus, newPerson, registerThroughApi, usePipeline, waitForCase } from './pipeline';

jest.setTimeout(240_000);

describe('license lifecycle cases', () => {
  const { p, a } = usePipeline();

  const approve = async (token: string, caseId: string) => {
    const c = await waitForCase(p, token, caseId, hasStatus('under_review'));
    const d = await claimAndDecide(p, a.reviewer, c.reviewTask!.taskId, 'approve');
    expect(d.status).toBe(200);
  };
  const entry = async (registrantId: string) => (await call(p.url, 'GET', `/api/v1/registrants/${registrantId}`, { token: a.reviewer })).body;
  const changes = (caseId: string) => p.deps.db.query<{ kind: string; event: string | null; requested_by: string; after_values: unknown }>(
    'SELECT kind, event, requested_by, after_values FROM registry_changes WHERE case_id = ?', { replacements: [caseId], type: QueryTypes.SELECT });
  const credentialOf = async (registrantId: string) =>
    String((await call(p.url, 'GET', `/api/v1/registrants/${registrantId}/credential?profile=standard`, { token: a.reviewer })).body.credential);
  const verify = async (credential: string) => (await call(p.url, 'POST', '/api/v1/verify', { body: { credential } })).body;

  it('change (mynaportal): the new address, verified against 住基ネット, no fee, no new license', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const newAddress = '東京都新宿区西新宿2-8-1';
    await fetch(`${p.config.JUKI_SIM_URL}/admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ myNumber: person.myNumber, type: 'move', date: '2026-11-01', newAddress }) });
    const body = { type: 'change', channel: 'mynaportal', registrantId: reg.registrantId, applicant: person.applicant,
      changes: { address: newAddress }, payment: { method: 'online' } };
    const created = await fileCase(p, a.portal, body);
    expect(created.status).toBe(201);
    const caseId = String(created.body.caseId);
    const review = await waitForCase(p, a.portal, caseId, hasStatus('under_review'));
    const task = await call(p.url, 'GET', `/api/v1/review-tasks/${review.reviewTask!.taskId}`, { token: a.reviewer });
    // 住基ネット already has the new address: the requested change matches it (the registry and
    // 住基ネット agree afterwards, so the yearly reconciliation finds nothing for this person).
    expect(task.body.findings).toMatchObject({ identity: { outcome: 'match', discrepancies: [] }, honseki: { outcome: 'not_applicable' } });
    expect((await claimAndDecide(p, a.reviewer, review.reviewTask!.taskId, 'approve')).status).toBe(200);
    const done = await waitForCase(p, a.portal, caseId, hasStatus('completed'));
    expect(done.payment).toBeNull();
    expect(done.history.map((h) => h.status)).toEqual(['received', 'identity_check', 'under_review', 'registering', 'completed']);
    expect(await entry(reg.registrantId)).toMatchObject({ address: newAddress, postalCode: '1000013', licenseEdition: 1 });
    expect(await changes(caseId)).toEqual([expect.objectContaining({ kind: 'change', requested_by: expect.any(String) })]);
  });

  it('a change on マイナポータル by someone else’s My Number is refused', async () => {
    const owner = await newPerson(p);
    const reg = await registerThroughApi(p, a, owner);
    const stranger = await newPerson(p);
    const res = await fileCase(p, a.portal, { type: 'change', channel: 'mynaportal', registrantId: reg.registrantId, applicant: stranger.applicant,
      changes: { phone: '0311112222' }, payment: { method: 'online' } });
    expect(res.status).toBe(403);
  });

  it('rewrite (new name): fee paid, new PDF, same license number, next edition; the old credential reports 再交付', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const oldCredential = await credentialOf(reg.registrantId);
    await fetch(`${p.config.JUKI_SIM_URL}/admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ myNumber: person.myNumber, type: 'name_change', date: '2026-11-01', newNameKanji: '給水　太郎', newNameKana: 'キュウスイ　タロウ' }) });
    const caseId = String((await fileCase(p, a.portal, { type: 'rewrite', channel: 'mynaportal', registrantId: reg.registrantId,
      applicant: person.applicant, changes: { nameKanji: '給水　太郎', nameKana: 'キュウスイ　タロウ' }, payment: { method: 'online' } })).body.caseId);
    await approve(a.portal, caseId);
    const awaiting = await waitForCase(p, a.portal, caseId, (c) => c.status === 'awaiting_payment' && !!c.payment?.checkoutUrl);
    expect(awaiting.payment).toMatchObject({ amount: p.config.FEE_REWRITE });
    await fetch(awaiting.payment!.checkoutUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const done = await waitForCase(p, a.portal, caseId, hasStatus('completed'));
    expect(done.licenseNumber).toBe(reg.licenseNumber);
    expect(await entry(reg.registrantId)).toMatchObject({ nameKanji: '給水　太郎', licenseEdition: 2 });
    const pdfs = await p.deps.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM documents WHERE registrant_id = ? AND kind = 'license_pdf'",
      { replacements: [reg.registrantId], type: QueryTypes.SELECT });
    expect(Number(pdfs[0].n)).toBe(2);
    expect(await verify(oldCredential)).toMatchObject({ valid: false, reason: '再交付' });
    expect(await verify(await credentialOf(reg.registrantId))).toMatchObject({ valid: true });
  });

  it('reissue (paper, lost): revenue stamps, reissue count and date recorded, new edition', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const { myNumber: _m, ...contact } = person.applicant;
    const caseId = String((await fileCase(p, a.clerk, { type: 'reissue', channel: 'paper', registrantId: reg.registrantId, applicant: contact,
      reissueReason: 'lost', reason: '紛失', payment: { method: 'revenue_stamp' } })).body.caseId);
    await approve(a.clerk, caseId);
    await waitForCase(p, a.clerk, caseId, hasStatus('awaiting_payment'));
    expect((await call(p.url, 'POST', `/api/v1/cases/${caseId}/revenue-stamp`, { token: a.clerk, body: { amount: p.config.FEE_REISSUE } })).status).toBe(200);
    await waitForCase(p, a.clerk, caseId, hasStatus('completed'));
    const e = await entry(reg.registrantId);
    expect(e).toMatchObject({ reissueCount: 1, licenseEdition: 2 });
    expect(e.reissuedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('return by death (reported on paper): erased logically with when, why, by whom and which event; the credential says 死亡等', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const credential = await credentialOf(reg.registrantId);
    expect(await verify(credential)).toMatchObject({ valid: true });
    const caseId = String((await fileCase(p, a.clerk, { type: 'return', channel: 'paper', registrantId: reg.registrantId,
      event: 'death', reason: '死亡届による返納', payment: { method: 'revenue_stamp' } })).body.caseId);
    await approve(a.clerk, caseId);
    await waitForCase(p, a.clerk, caseId, hasStatus('completed'));
    const e = await entry(reg.registrantId);
    expect(e).toMatchObject({ qualificationStatus: 'erased', erasureReason: '死亡届による返納' });
    expect(e.erasedAt).toBeTruthy();
    const [row] = await changes(caseId);
    expect(row).toMatchObject({ kind: 'erasure', event: 'death' });
    expect(await verify(credential)).toMatchObject({ valid: false, reason: '死亡等' });
    // The entry and the My Number link are kept (logical erasure).
    expect(await p.runtime.vault.lookup(person.myNumber, { actor: 'jest', purpose: 'test' })).toBe(reg.registrantId);
  });

  it('deletion by application (mynaportal): erased logically, recorded as the applicant’s own event', async () => {
    const person = await newPerson(p);
    const reg = await registerThroughApi(p, a, person);
    const caseId = String((await fileCase(p, a.portal, { type: 'deletion', channel: 'mynaportal', registrantId: reg.registrantId,
      applicant: person.applicant, reason: '本人の申請による削除', payment: { method: 'online' } })).body.caseId);
    await approve(a.portal, caseId);
    await waitForCase(p, a.portal, caseId, hasStatus('completed'));
    expect(await entry(reg.registrantId)).toMatchObject({ qualificationStatus: 'erased' });
    expect((await changes(caseId))[0]).toMatchObject({ kind: 'erasure', event: 'application' });
  });

  it('rejects a change that names a field only a rewrite may change', async () => {
    const res = await fileCase(p, a.portal, { type: 'change', channel: 'egov', registrantId: '00000000-0000-4000-8000-000000000000',
      changes: { nameKanji: '別名　太郎' }, payment: { method: 'online' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('rewrite');
  });
});
