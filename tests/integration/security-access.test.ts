/**
 * Access to the queue dashboard (supervisor or admin token, every environment) and the idle
 * timeout of staff tokens (issue #5).
 */
import { QueryTypes } from 'sequelize';
import { sqlTime } from '../../db/connection';
import { sha256Hex } from '../../api/auth/secrets';
import { STAFF_IDLE_TIMEOUT_MS } from '../../api/auth/tokens';
import { call, loginAs, newClient, newStaff, startApi, type TestApi } from './auth-helpers';

describe('queue dashboard', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ NODE_ENV: 'production' }); // protected, not hidden, in production too
  });
  afterAll(() => api.close());

  const get = (token?: string) => fetch(`${api.url}/admin/queues`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('when no token is sent, then the dashboard answers 401', async () => {
    expect((await get()).status).toBe(401);
  });

  it.each(['reviewer', 'clerk', 'auditor'])('when a %s asks, then 403', async (role) => {
    expect((await get(await loginAs(api.url, await newStaff(api.ctx, role)))).status).toBe(403);
  });

  it.each(['supervisor', 'admin'])('when a %s asks, then the dashboard is served', async (role) => {
    const res = await get(await loginAs(api.url, await newStaff(api.ctx, role)));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('idle timeout of staff tokens', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const idleFor = (token: string, ms: number) => api.deps.db.query('UPDATE access_tokens SET last_used_at = ? WHERE token_hash = ?',
    { replacements: [sqlTime(new Date(Date.now() - ms)), sha256Hex(token)] });

  it('when a staff token is used within the idle limit, then it works and its last use moves forward', async () => {
    const token = await loginAs(api.url, await newStaff(api.ctx, 'clerk'));
    await idleFor(token, STAFF_IDLE_TIMEOUT_MS - 5 * 60_000);
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(200);
    const [row] = await api.deps.db.query<{ last_used_at: Date }>('SELECT last_used_at FROM access_tokens WHERE token_hash = ?',
      { replacements: [sha256Hex(token)], type: QueryTypes.SELECT });
    expect(Date.now() - row.last_used_at.getTime()).toBeLessThan(60_000);
  });

  it('when a staff token has been idle longer than the limit, then it is refused', async () => {
    const token = await loginAs(api.url, await newStaff(api.ctx, 'clerk'));
    await idleFor(token, STAFF_IDLE_TIMEOUT_MS + 60_000);
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(401);
  });

  it('when an API client token is idle as long, then it still works until it expires (no person at a terminal)', async () => {
    const token = String((await call(api.url, 'POST', '/api/v1/auth/token', { body: await newClient(api.ctx) })).body.accessToken);
    await idleFor(token, STAFF_IDLE_TIMEOUT_MS + 60_000);
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });
});
