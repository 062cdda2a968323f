/** Shared by the auth*.test.ts files: a real API over HTTP and accounts made the admin command's way. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createQueues } from '../../common/queues';
import { connectClient } from '../../common/temporal';
import { createLogger } from '../../common/logger';
import { createApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';
import { createApiServices } from '../../api/services';
import { accountsContext, addApiClient, addStaffAccount, type AccountsContext } from '../../api/auth/accounts';
import { totpCode } from '../../api/auth/totp';
import type { Config } from '../../common/config';
import { appDb, config, uniqueId } from '../helpers/env';

export interface TestApi {
  url: string;
  deps: ApiDeps;
  ctx: AccountsContext;
  close(): Promise<void>;
}

/** @param overrides configuration for this API only (e.g. a private AUDIT_CHECKPOINT_DIR) */
export async function startApi(overrides: Partial<Config> = {}): Promise<TestApi> {
  const db = appDb();
  const cfg = { ...config, ...overrides };
  const deps: ApiDeps = { config: cfg, logger: createLogger('test', 'silent'), db,
    queues: createQueues(config.REDIS_URL), temporal: await connectClient(config), services: createApiServices(cfg, db) };
  const server: Server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deps,
    ctx: accountsContext(config, deps.db),
    async close() {
      await new Promise((r) => server.close(r));
      await Promise.all([deps.services.close(), deps.queues.close(), deps.db.close(), deps.temporal.connection.close()]);
    },
  };
}

/** A code of the current TOTP step plus `stepOffset` (each code is accepted once per account). */
export async function otp(secret: string, stepOffset = 0): Promise<string> {
  return totpCode(secret, Date.now() / 1000 + 30 * stepOffset);
}

/** Each test calls from its own address, so the per-IP login limit of one test never hits another. */
export const newIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

export interface Call { status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }

export async function call(url: string, method: string, path: string, opts: { token?: string; body?: unknown; ip?: string } = {}): Promise<Call> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-forwarded-for': opts.ip ?? newIp(),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

export interface StaffUser { username: string; password: string; totpSecret: string }

export async function newStaff(ctx: AccountsContext, role: string): Promise<StaffUser> {
  return addStaffAccount(ctx, { username: uniqueId(role), role, requestedBy: 'jest', reason: 'integration test' });
}

export async function newClient(ctx: AccountsContext): Promise<{ clientId: string; clientSecret: string }> {
  return addApiClient(ctx, { name: 'portal', role: 'portal', requestedBy: 'jest', reason: 'integration test' });
}

/** Password + TOTP login; returns the token (fails the test on anything but 200). */
export async function loginAs(url: string, u: StaffUser, stepOffset = 0): Promise<string> {
  const r = await call(url, 'POST', '/api/v1/auth/login',
    { body: { username: u.username, password: u.password, otp: await otp(u.totpSecret, stepOffset) } });
  if (r.status !== 200) throw new Error(`login of ${u.username} answered ${r.status} ${JSON.stringify(r.body)}`);
  return String(r.body.accessToken);
}
