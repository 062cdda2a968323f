/**
 * Login, tokens, lockout and the audit trail of authentication (R6.5, R6.7), over real HTTP
 * against the real MariaDB. Accounts are made by the functions behind `npm run admin`.
 */
import { QueryTypes } from 'sequelize';
import { disableAccount, changeRole } from '../../api/auth/accounts';
import { LOGIN_FAILED_MESSAGE, MAX_FAILED_LOGINS } from '../../api/auth/sessions';
import { call, loginAs, newClient, newIp, newStaff, otp, startApi, type TestApi } from './auth-helpers';

describe('authentication over real HTTP', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const auditOf = (username: string) => api.deps.db.query<{ action: string; outcome: string; actor: string; detail: string | null }>(
    `SELECT action, outcome, actor, detail FROM audit_log
      WHERE target_id = (SELECT account_id FROM staff_accounts WHERE username = ?) ORDER BY seq`,
    { replacements: [username], type: QueryTypes.SELECT });

  it('when a person logs in with password and TOTP, then a token works on a protected route', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const login = await call(api.url, 'POST', '/api/v1/auth/login',
      { body: { username: u.username, password: u.password, otp: await otp(u.totpSecret) } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ accessToken: expect.stringMatching(/^kys_/), passwordChangeRequired: true });
    expect(Date.parse(String(login.body.expiresAt))).toBeGreaterThan(Date.now());
    const me = await call(api.url, 'GET', '/api/v1/auth/me', { token: String(login.body.accessToken) });
    expect(me).toMatchObject({ status: 200, body: { username: u.username, role: 'reviewer', kind: 'staff' } });
  });

  it('when the password is right but the TOTP code is missing, wrong or replayed, then 401 with the generic message', async () => {
    const u = await newStaff(api.ctx, 'clerk');
    const attempts = [{ password: u.password }, { password: u.password, otp: '000000' }];
    for (const creds of attempts) {
      const r = await call(api.url, 'POST', '/api/v1/auth/login', { body: { username: u.username, ...creds } });
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({ code: 'UNAUTHENTICATED', message: LOGIN_FAILED_MESSAGE });
    }
    const code = await otp(u.totpSecret);
    expect((await call(api.url, 'POST', '/api/v1/auth/login', { body: { username: u.username, password: u.password, otp: code } })).status).toBe(200);
    const replay = await call(api.url, 'POST', '/api/v1/auth/login', { body: { username: u.username, password: u.password, otp: code } });
    expect(replay.status).toBe(401);
    const reasons = (await auditOf(u.username)).filter((e) => e.action === 'auth.login' && e.outcome === 'denied')
      .map((e) => JSON.parse(e.detail ?? '{}').reason);
    expect(reasons).toEqual(['otp_missing', 'bad_otp', 'otp_replayed']);
  });

  it('when the password is wrong or the user unknown, then both answer the same 401 and neither password reaches the audit log', async () => {
    const u = await newStaff(api.ctx, 'supervisor');
    const wrong = await call(api.url, 'POST', '/api/v1/auth/login',
      { body: { username: u.username, password: 'Wrong-horse-battery-1', otp: await otp(u.totpSecret) } });
    const unknown = await call(api.url, 'POST', '/api/v1/auth/login',
      { body: { username: 'nobody-here', password: 'Unknown-user-password-2', otp: '123456' } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    const entries = await auditOf(u.username);
    expect(entries).toContainEqual(expect.objectContaining({ action: 'auth.login', outcome: 'denied', actor: u.username }));
    const [leaks] = await api.deps.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM audit_log WHERE CONCAT_WS(' ', actor, action, purpose, detail) LIKE ?
          OR CONCAT_WS(' ', actor, action, purpose, detail) LIKE ? OR CONCAT_WS(' ', actor, detail) LIKE ?`,
      { replacements: ['%Wrong-horse-battery-1%', '%Unknown-user-password-2%', '%nobody-here%'], type: QueryTypes.SELECT });
    expect(Number(leaks.n)).toBe(0);
    const [anon] = await api.deps.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'anonymous' AND action = 'auth.login' AND detail LIKE '%unknown_user%'`,
      { type: QueryTypes.SELECT });
    expect(Number(anon.n)).toBeGreaterThan(0);
  });

  it(`when ${MAX_FAILED_LOGINS} logins fail in a row, then the account is locked and even the right credentials are refused`, async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const ip = newIp();
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      const r = await call(api.url, 'POST', '/api/v1/auth/login', { ip, body: { username: u.username, password: `not-it-${i}-xxxxxxx` } });
      expect(r.status).toBe(401);
    }
    const right = await call(api.url, 'POST', '/api/v1/auth/login',
      { ip, body: { username: u.username, password: u.password, otp: await otp(u.totpSecret) } });
    expect(right.status).toBe(401);
    expect(right.body.error?.message).toBe(LOGIN_FAILED_MESSAGE);
    const entries = await auditOf(u.username);
    expect(entries.filter((e) => e.action === 'auth.lockout')).toHaveLength(1);
    expect(JSON.parse(entries[entries.length - 1].detail ?? '{}').reason).toBe('locked');
  });

  it('when one address tries too often, then it gets 429 with Retry-After', async () => {
    const ip = newIp();
    // All at once: the bucket (20, refilled 1 per 6 s) is checked on arrival, before the slow secret
    // check, so on a loaded machine too exactly 20 get as far as a 401 and the other 2 are refused.
    const statuses = await Promise.all(Array.from({ length: 22 }, () =>
      call(api.url, 'POST', '/api/v1/auth/token', { ip, body: { clientId: 'x', clientSecret: 'y' } }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });

  it('when a token is logged out, then the next request with it is 401', async () => {
    const u = await newStaff(api.ctx, 'auditor');
    const token = await loginAs(api.url, u);
    expect((await call(api.url, 'POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    const after = await call(api.url, 'GET', '/api/v1/auth/me', { token });
    expect(after.status).toBe(401);
    expect(after.body.error?.code).toBe('UNAUTHENTICATED');
    expect((await auditOf(u.username)).map((e) => e.action)).toEqual(expect.arrayContaining(['auth.login', 'auth.logout']));
  });

  it('when an account is disabled, then its live token is refused at the very next request', async () => {
    const u = await newStaff(api.ctx, 'clerk');
    const token = await loginAs(api.url, u);
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(200);
    // The status alone must be enough (not only the token revocation that disableAccount also does).
    await api.deps.db.query("UPDATE staff_accounts SET status = 'disabled' WHERE username = ?", { replacements: [u.username] });
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(401);
    await api.deps.db.query("UPDATE staff_accounts SET status = 'active' WHERE username = ?", { replacements: [u.username] });
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(200);
    await disableAccount(api.ctx, { username: u.username, reason: 'retired', requestedBy: 'jest' });
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(401);
  });

  it('when a role lacks a permission, then the route answers 403 in the contract shape; a role change applies at once', async () => {
    const u = await newStaff(api.ctx, 'admin');
    const token = await loginAs(api.url, u);
    const list = await call(api.url, 'GET', '/api/v1/accounts', { token });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toMatch(/argon2|password_hash|totp/);
    await changeRole(api.ctx, { username: u.username, role: 'reviewer', reason: 'transfer to 審査', requestedBy: 'jest' });
    const denied = await call(api.url, 'GET', '/api/v1/accounts', { token });
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', details: { permission: 'account:manage' } } } });
  });

  it('when an API client exchanges its secret, then it gets a portal token; a wrong secret or a staff login is refused', async () => {
    const c = await newClient(api.ctx);
    const ok = await call(api.url, 'POST', '/api/v1/auth/token', { body: c });
    expect(ok.status).toBe(200);
    const me = await call(api.url, 'GET', '/api/v1/auth/me', { token: String(ok.body.accessToken) });
    expect(me.body).toMatchObject({ username: c.clientId, role: 'portal', kind: 'client' });
    expect((await call(api.url, 'POST', '/api/v1/auth/token', { body: { ...c, clientSecret: 'guess' } })).status).toBe(401);
    expect((await call(api.url, 'POST', '/api/v1/auth/login', { body: { username: c.clientId, password: c.clientSecret } })).status).toBe(401);
  });

  it('when /api/v1 is called without a token, then 401, except the public calls', async () => {
    const r = await call(api.url, 'GET', '/api/v1/anything');
    expect(r).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token: 'kys_not-a-real-token-at-all' })).status).toBe(401);
    // No verify route exists yet: reaching the 404 proves authentication let it through.
    expect((await call(api.url, 'POST', '/api/v1/verify', { body: {} })).status).not.toBe(401);
    expect((await call(api.url, 'GET', '/healthz')).status).toBe(200);
    const doc = (await call(api.url, 'GET', '/openapi.json')).body as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/token', '/api/v1/auth/logout']));
  });
});
