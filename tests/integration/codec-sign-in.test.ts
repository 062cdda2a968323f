/**
 * The codec sign-in for the Temporal UI (issue #5) over real HTTP: the page, the cookie and its
 * attributes, decoding with the cookie (audited with the person), CORS with credentials for the
 * UI's origin only, the CSRF rules, and every way the sign-in ends (disabled, idle, sign-out).
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { defaultPayloadConverter } from '@temporalio/common';
import { disableAccount } from '../../api/auth/accounts';
import { codecCookiePolicy } from '../../api/auth/codec-session';
import { LOGIN_FAILED_MESSAGE } from '../../api/auth/sessions';
import { STAFF_IDLE_TIMEOUT_MS } from '../../api/auth/tokens';
import { codecFromConfig, payloadToJson } from '../../common/temporal-codec';
import { sqlTime } from '../../db/connection';
import { config } from '../helpers/env';
import { call, newIp, newStaff, otp, startApi, type StaffUser, type TestApi } from './auth-helpers';

const uiOrigin = new URL(config.TEMPORAL_UI_URL).origin;
const codec = codecFromConfig(config);
const encrypted = async (v: unknown) => ({ payloads: (await codec.encode([defaultPayloadConverter.toPayload(v)])).map(payloadToJson) });

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

/** The page's form post, as a browser sends it (Origin of the API itself). */
async function signIn(u: StaffUser, opts: { password?: string; origin?: string } = {}): Promise<Response> {
  const form = new URLSearchParams({ username: u.username, password: opts.password ?? u.password, otp: await otp(u.totpSecret) });
  return fetch(`${api.url}/codec/session`, { method: 'POST', redirect: 'manual', body: form,
    headers: { origin: opts.origin ?? api.url, 'x-forwarded-for': newIp() } });
}

/** `name=value` of the sign-in cookie set by a response. */
function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('kyusui_codec='));
  if (!set) throw new Error(`no sign-in cookie in ${res.status}`);
  return set.split(';')[0];
}

/** A decode as the Temporal UI sends it with "include cross-origin credentials". */
function decodeAsUi(cookie: string | undefined, body: unknown, opts: { origin?: string; type?: string; workflowId?: string } = {}) {
  return fetch(`${api.url}/codec/decode`, { method: 'POST', body: JSON.stringify(body), headers: {
    'content-type': opts.type ?? 'application/json', origin: opts.origin ?? uiOrigin, 'x-namespace': config.TEMPORAL_NAMESPACE,
    ...(opts.workflowId ? { 'x-workflow-id': opts.workflowId } : {}), ...(cookie ? { cookie } : {}) } });
}

const auditOf = (action: string, actor: string) => api.deps.db.query<{ outcome: string; detail: string; target_id: string | null }>(
  'SELECT outcome, detail, target_id FROM audit_log WHERE action = ? AND actor = ? ORDER BY seq', { replacements: [action, actor], type: QueryTypes.SELECT });

describe('the codec sign-in page', () => {
  it('when the page is opened, then it is a self-contained Japanese and English form under a strict CSP', async () => {
    const res = await fetch(`${api.url}/codec/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    for (const label of ['ユーザー名', 'Username', 'パスワード', 'Password', 'ワンタイムコード', 'One-time code', 'サインイン', 'Sign in']) {
      expect(html).toContain(label);
    }
    expect(html).toMatch(/<form method="post" action="session"/);
    expect(html).not.toMatch(/<script|src=|href="http/); // nothing fetched from anywhere
  });

  it('when a reviewer signs in, then the cookie is HttpOnly, SameSite=Strict, Path=/codec, 30 minutes, and the sign-in is audited', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const res = await signIn(u);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/codec/login');
    const set = res.headers.getSetCookie().find((c) => c.startsWith('kyusui_codec='))!;
    const attrs = set.split(';').map((s) => s.trim());
    expect(attrs[0]).toMatch(/^kyusui_codec=kyc_[A-Za-z0-9_-]{43}$/);
    expect(attrs.slice(1).sort()).toEqual(['HttpOnly', `Max-Age=${STAFF_IDLE_TIMEOUT_MS / 1000}`, 'Path=/codec', 'SameSite=Strict']);
    // the UI (127.0.0.1, another port) is the same site as this API; plain http here, so not Secure
    expect(new URL(config.TEMPORAL_UI_URL).hostname).toBe(new URL(api.url).hostname);

    const page = await (await fetch(`${api.url}/codec/login`, { headers: { cookie: cookieOf(res) } })).text();
    expect(page).toContain(u.username);
    expect(page).toContain('Include cross-origin credentials');
    expect(page).toContain(`${codecEndpoint()}`);
    const [entry] = await auditOf('auth.login', u.username);
    expect(entry.outcome).toBe('ok');
    expect(JSON.parse(entry.detail)).toMatchObject({ via: 'codec' });
  });

  it('when the password is wrong, then the page answers 401 with the generic message and the failure counts towards the lock', async () => {
    const u = await newStaff(api.ctx, 'clerk');
    const res = await signIn(u, { password: 'Wrong-horse-battery-9' });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toContain(LOGIN_FAILED_MESSAGE);
    const [entry] = await auditOf('auth.login', u.username);
    expect(entry.outcome).toBe('denied');
    expect(JSON.parse(entry.detail)).toMatchObject({ reason: 'bad_password', via: 'codec' });
    const [row] = await api.deps.db.query<{ failed_count: number }>('SELECT failed_count FROM staff_accounts WHERE username = ?',
      { replacements: [u.username], type: QueryTypes.SELECT });
    expect(Number(row.failed_count)).toBe(1);
  });

  it('when a foreign page posts the sign-in form, then it is refused (login CSRF)', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const res = await signIn(u, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

function codecEndpoint(): string {
  return config.TEMPORAL_UI_CODEC_ENDPOINT ?? `http://127.0.0.1:${config.PORT}/codec`;
}

describe('decoding with the sign-in cookie', () => {
  it('when the UI decodes with the cookie, then the payload comes back in clear, with credentialed CORS, audited with the person', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const cookie = cookieOf(await signIn(u));
    const secret = `CANARY-${randomUUID()}`;
    const workflowId = `case-${randomUUID()}`;
    const res = await decodeAsUi(cookie, await encrypted({ secret }), { workflowId });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.getSetCookie()[0]).toMatch(/^kyusui_codec=kyc_.*Max-Age=1800/); // the idle clock restarts
    const body = (await res.json()) as { payloads: { data: string }[] };
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual({ secret });
    const [entry] = await auditOf('temporal.payload.decode', u.username);
    expect(entry).toMatchObject({ outcome: 'ok', target_id: workflowId });
    expect(JSON.parse(entry.detail)).toMatchObject({ auth: 'codec-sign-in', namespace: config.TEMPORAL_NAMESPACE, encrypted: 1 });
    expect(entry.detail).not.toContain(secret);
  });

  it('when there is no cookie, then decode is 401', async () => {
    const res = await decodeAsUi(undefined, await encrypted('x'));
    expect(res.status).toBe(401);
  });

  it('when another origin calls with the cookie, then it gets no credentialed CORS and no decode', async () => {
    const cookie = cookieOf(await signIn(await newStaff(api.ctx, 'reviewer')));
    const evil = 'http://localhost:' + new URL(config.TEMPORAL_UI_URL).port; // another site, though the same port
    for (const origin of [evil, 'http://evil.example']) {
      const res = await decodeAsUi(cookie, await encrypted('x'), { origin });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(`${api.url}/codec/decode`, { method: 'OPTIONS', headers: { origin,
        'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    }
    const ok = await fetch(`${api.url}/codec/decode`, { method: 'OPTIONS', headers: { origin: uiOrigin,
      'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('when the cookie comes on a form-like post or without an Origin, then it is refused (CSRF)', async () => {
    const cookie = cookieOf(await signIn(await newStaff(api.ctx, 'reviewer')));
    expect((await decodeAsUi(cookie, await encrypted('x'), { type: 'text/plain' })).status).toBe(403);
    const noOrigin = await fetch(`${api.url}/codec/decode`, { method: 'POST', body: JSON.stringify(await encrypted('x')),
      headers: { 'content-type': 'application/json', cookie } });
    expect(noOrigin.status).toBe(403);
  });

  it('when the cookie token is sent as a bearer token, then the API refuses it; an API token is no cookie either', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const cookie = cookieOf(await signIn(u));
    const token = cookie.split('=')[1];
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(401);
    expect((await call(api.url, 'POST', '/codec/decode', { token, body: await encrypted('x') })).status).toBe(401);
    const login = await call(api.url, 'POST', '/api/v1/auth/login',
      { body: { username: u.username, password: u.password, otp: await otp(u.totpSecret, 1) } });
    expect((await decodeAsUi(`kyusui_codec=${String(login.body.accessToken)}`, await encrypted('x'))).status).toBe(401);
  });

  it('when the role does not read cases, then the sign-in works but decode is 403 and audited', async () => {
    for (const role of ['auditor', 'admin']) {
      const u = await newStaff(api.ctx, role);
      const signedIn = await signIn(u);
      const page = await (await fetch(`${api.url}/codec/login`, { headers: { cookie: cookieOf(signedIn) } })).text();
      expect(page).toContain('The role ' + role + ' does not read cases');
      expect((await decodeAsUi(cookieOf(signedIn), await encrypted('x'))).status).toBe(403);
      const [refusal] = await auditOf('access.forbidden', u.username);
      expect(refusal.target_id).toBe('case:read');
    }
  });
});

describe('the end of a sign-in', () => {
  it('when the account is disabled, then its cookie stops working at the next request', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const cookie = cookieOf(await signIn(u));
    expect((await decodeAsUi(cookie, await encrypted('x'))).status).toBe(200);
    await disableAccount(api.ctx, { username: u.username, requestedBy: 'jest', reason: 'left the division' });
    const res = await decodeAsUi(cookie, await encrypted('x'));
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()[0]).toMatch(/^kyusui_codec=;.*Max-Age=0/); // the browser forgets it
  });

  it('when the sign-in is idle for longer than 30 minutes, then it has ended', async () => {
    const u = await newStaff(api.ctx, 'supervisor');
    const cookie = cookieOf(await signIn(u));
    const idle = new Date(Date.now() - STAFF_IDLE_TIMEOUT_MS - 60_000);
    await api.deps.db.query(`UPDATE access_tokens SET created_at = ?, last_used_at = ?
      WHERE account_id = (SELECT account_id FROM staff_accounts WHERE username = ?)`,
    { replacements: [sqlTime(idle), sqlTime(idle), u.username] });
    expect((await decodeAsUi(cookie, await encrypted('x'))).status).toBe(401);
  });

  it('when the person signs out, then the token is revoked at once, the cookie cleared, and the sign-out audited', async () => {
    const u = await newStaff(api.ctx, 'clerk');
    const cookie = cookieOf(await signIn(u));
    expect((await decodeAsUi(cookie, await encrypted('x'))).status).toBe(200);
    const out = await fetch(`${api.url}/codec/logout`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(),
      headers: { origin: api.url, cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()[0]).toMatch(/^kyusui_codec=;.*Max-Age=0/);
    expect((await decodeAsUi(cookie, await encrypted('x'))).status).toBe(401); // a copy of the cookie is worthless too
    const [entry] = await auditOf('auth.logout', u.username);
    expect(JSON.parse(entry.detail)).toMatchObject({ via: 'codec' });
  });
});

describe('the cookie policy (SameSite and Secure from the configuration)', () => {
  const policy = (ui: string, codecUrl: string) => codecCookiePolicy({ TEMPORAL_UI_URL: ui, TEMPORAL_UI_CODEC_ENDPOINT: codecUrl, PORT: 3000 });

  it('when the UI and the codec share scheme and host, then SameSite=Strict whatever the ports', () => {
    expect(policy('http://127.0.0.1:18233', 'http://127.0.0.1:3000/codec')).toEqual({ name: 'kyusui_codec', sameSite: 'Strict', secure: false });
    expect(policy('https://kyusui.example.go.jp:8443', 'https://kyusui.example.go.jp/codec'))
      .toEqual({ name: '__Secure-kyusui_codec', sameSite: 'Strict', secure: true });
  });

  it('when they are on different sites, then SameSite=None; Secure, and plain http is reported as unusable', () => {
    const local = policy('http://localhost:18233', 'http://127.0.0.1:3000/codec'); // 127.0.0.1 and localhost are two sites
    expect(local).toMatchObject({ sameSite: 'None', secure: true, problem: expect.stringContaining('different sites') });
    expect(policy('https://ui.example.go.jp', 'https://api.example.go.jp/codec'))
      .toEqual({ name: '__Secure-kyusui_codec', sameSite: 'None', secure: true, problem: undefined });
    expect(policy('https://kyusui.example.go.jp', 'http://kyusui.example.go.jp/codec').sameSite).toBe('None'); // schemeful
  });
});
