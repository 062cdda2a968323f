/**
 * Dispositions over real HTTP (issue #6): proposed by a reviewer, decided by a supervisor (two
 * people), a return order only after its hearing; reflected in the registry and the credential,
 * and a suspension restored by its durable timer.
 */
import { QueryTypes } from 'sequelize';
import { call } from '../integration/auth-helpers';
import { hasStatus, newPerson, registerThroughApi, until, usePipeline, waitForCase } from './pipeline';

jest.setTimeout(180_000);

describe('dispositions', () => {
  const { p, a } = usePipeline();

  const entry = async (id: string) => (await call(p.url, 'GET', `/api/v1/registrants/${id}`, { token: a.reviewer })).body;
  const credentialOf = async (id: string) => String((await call(p.url, 'GET', `/api/v1/registrants/${id}/credential?profile=standard`, { token: a.reviewer })).body.credential);
  const verify = async (credential: string) => (await call(p.url, 'POST', '/api/v1/verify', { body: { credential } })).body;
  const decide = async (token: string, taskId: string, decision: string, reason?: string) => {
    const claim = await call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/claim`, { token });
    if (claim.status !== 200) return claim;
    return call(p.url, 'POST', `/api/v1/review-tasks/${taskId}/decision`, { token, body: { decision, ...(reason ? { reason } : {}) } });
  };

  it('suspension: the reviewer cannot decide it; the supervisor does; 停止中 until the end, then restored by the timer', async () => {
    const reg = await registerThroughApi(p, a, await newPerson(p));
    const credential = await credentialOf(reg.registrantId);
    const until_ = new Date(Date.now() + 8000).toISOString();
    const proposed = await call(p.url, 'POST', '/api/v1/dispositions', { token: a.reviewer,
      body: { registrantId: reg.registrantId, kind: 'suspension', reason: '水道法違反による停止', effectiveUntil: until_ } });
    expect(proposed.status).toBe(201);
    const byClerk = await call(p.url, 'POST', '/api/v1/dispositions', { token: a.clerk, body: { registrantId: reg.registrantId, kind: 'warning', reason: 'x' } });
    expect(byClerk.status).toBe(403);
    const caseId = String(proposed.body.caseId);
    const c = await waitForCase(p, a.reviewer, caseId, hasStatus('under_review'));
    expect((await decide(a.reviewer2, c.reviewTask!.taskId, 'approve')).status).toBe(409);
    expect((await decide(a.supervisor, c.reviewTask!.taskId, 'approve')).status).toBe(200);
    await waitForCase(p, a.reviewer, caseId, hasStatus('completed'));
    expect(await entry(reg.registrantId)).toMatchObject({ qualificationStatus: 'suspended' });
    expect(await verify(credential)).toMatchObject({ valid: false, reason: '停止中' });
    await until(async () => (await entry(reg.registrantId)).qualificationStatus === 'active', 30_000, 'the suspension to be lifted');
    expect(await verify(credential)).toMatchObject({ valid: true });
    const changes = await p.deps.db.query<{ kind: string }>('SELECT kind FROM registry_changes WHERE case_id = ? ORDER BY applied_at', { replacements: [caseId], type: QueryTypes.SELECT });
    expect(changes.map((x) => x.kind)).toEqual(['suspension', 'suspension_lifted']);
  });

  it('return order: no decision before the hearing; after it the license is revoked (取消) with a 1-year ban', async () => {
    const reg = await registerThroughApi(p, a, await newPerson(p));
    const credential = await credentialOf(reg.registrantId);
    const proposed = await call(p.url, 'POST', '/api/v1/dispositions', { token: a.reviewer,
      body: { registrantId: reg.registrantId, kind: 'return_order', reason: '重大な違反' } });
    const caseId = String(proposed.body.caseId);
    await waitForCase(p, a.reviewer, caseId, hasStatus('hearing'));
    const dispositionId = String(proposed.body.dispositionId);
    expect((await call(p.url, 'POST', `/api/v1/dispositions/${dispositionId}/hearing`, { token: a.reviewer, body: { summary: 'x' } })).status).toBe(403);
    expect((await call(p.url, 'POST', `/api/v1/dispositions/${dispositionId}/hearing`, { token: a.supervisor, body: { summary: '聴聞を実施、弁明あり' } })).status).toBe(200);
    const c = await waitForCase(p, a.reviewer, caseId, hasStatus('under_review'));
    expect((await decide(a.supervisor, c.reviewTask!.taskId, 'approve')).status).toBe(200);
    await waitForCase(p, a.reviewer, caseId, hasStatus('completed'));
    const e = await entry(reg.registrantId);
    expect(e).toMatchObject({ qualificationStatus: 'revoked' });
    const [ban] = await p.deps.db.query<{ ban_until: string }>("SELECT DATE_FORMAT(ban_until, '%Y-%m-%d') AS ban_until FROM registrants WHERE registrant_id = ?",
      { replacements: [reg.registrantId], type: QueryTypes.SELECT });
    expect(Date.parse(ban.ban_until) - Date.now()).toBeGreaterThan(360 * 86_400_000);
    expect(await verify(credential)).toMatchObject({ valid: false, reason: '取消' });
    const d = await call(p.url, 'GET', `/api/v1/dispositions/${dispositionId}`, { token: a.reviewer });
    expect(d.body).toMatchObject({ status: 'effective', decidedBy: expect.any(String), hearingHeldAt: expect.any(String) });
  });

  it('warning: recorded on the entry and kept as history; a rejected proposal changes nothing', async () => {
    const reg = await registerThroughApi(p, a, await newPerson(p));
    for (const [decision, reason] of [['approve', undefined], ['reject', '証拠不十分']] as const) {
      const proposed = await call(p.url, 'POST', '/api/v1/dispositions', { token: a.reviewer,
        body: { registrantId: reg.registrantId, kind: 'warning', reason: decision === 'approve' ? '施工不良に対する文書警告' : '再度の警告' } });
      const c = await waitForCase(p, a.reviewer, String(proposed.body.caseId), hasStatus('under_review'));
      expect((await decide(a.supervisor, c.reviewTask!.taskId, decision, reason)).status).toBe(200);
      await waitForCase(p, a.reviewer, String(proposed.body.caseId), hasStatus(decision === 'approve' ? 'completed' : 'rejected'));
    }
    const e = await entry(reg.registrantId);
    expect(e.warning).toContain('施工不良に対する文書警告');
    expect(e.warning).not.toContain('再度の警告');
    expect(e.qualificationStatus).toBe('active');
  });
});
