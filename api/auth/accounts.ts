/**
 * Account administration (R6.6), the functions behind `npm run admin -- user:* / client:*`.
 * Every change writes the account register (記録簿: what, why, who asked, who approved) and the
 * audit log in the same transaction as the change itself, so neither can be skipped.
 * There are no default accounts: the first admin is created with this command too.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../common/config';
import { CLIENT_ROLES, STAFF_ROLES, isRole, type Role } from '../../common/permissions';
import { AuditLog } from '../../db/audit';
import { dbUrlParts, sqlTime } from '../../db/connection';
import { AppError } from '../errors';
import { appendRegister, findAccount, insertAccount, updateAccount, type AccountRow, type RegisterEntry } from './accounts-repo';
import { PASSWORD_PROBLEM_TEXT, passwordProblems } from './password-policy';
import { encryptTotpSecret, hashSecret, newClientSecret, newOneTimePassword, newTotpSecret, totpKey, totpUri } from './secrets';
import { revokeAllTokens } from './tokens';

export interface AccountsContext {
  db: Sequelize;
  audit: AuditLog;
  /** AES-256-GCM key of the TOTP secrets, derived from MYNUMBER_INDEX_KEY (see secrets.ts). */
  totpKey: Buffer;
}

export function accountsContext(config: Config, db: Sequelize): AccountsContext {
  return { db, audit: new AuditLog(db, dbUrlParts(config.DATABASE_URL).database, undefined, config.AUDIT_SEAL_GRACE_S * 1000), totpKey: totpKey(config.MYNUMBER_INDEX_KEY) };
}

/** Who asked for a change and who approved it, and why (R6.6: accounts only on prior application). */
export interface ChangeRequest {
  reason?: string;
  requestedBy: string;
  approvedBy?: string;
}

const USERNAME = /^[a-z][a-z0-9._-]{2,63}$/;

export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function assertAcceptablePassword(password: string, username: string): void {
  const problems = passwordProblems(password, username);
  if (problems.length) {
    throw new AppError('VALIDATION_FAILED', `the password is refused: ${problems.map((p) => PASSWORD_PROBLEM_TEXT[p]).join('; ')}`,
      { problems });
  }
}

const requestOf = (r: ChangeRequest): ChangeRequest => ({ reason: r.reason?.trim() || undefined, requestedBy: r.requestedBy,
  approvedBy: r.approvedBy });

async function record(ctx: AccountsContext, e: RegisterEntry, t: Transaction): Promise<void> {
  await appendRegister(ctx.db, e, t);
  await ctx.audit.append({ actor: e.requestedBy, action: `account.${e.event}`, purpose: 'account management (R6.6)',
    targetType: 'account', targetId: e.accountId, outcome: 'ok',
    detail: { username: e.username, role: e.role, approvedBy: e.approvedBy ?? null } }, t);
}

export interface NewStaffAccount {
  username: string;
  password: string;
  totpSecret: string;
  totpUri: string;
}

/** A person's account: a one-time password (unless `password` is given) and a TOTP secret. */
export async function addStaffAccount(ctx: AccountsContext, input: ChangeRequest & { username: string; role: string; password?: string }):
  Promise<NewStaffAccount> {
  const username = normalizeUsername(input.username);
  if (!USERNAME.test(username)) throw new AppError('VALIDATION_FAILED', 'username: 3-64 of a-z 0-9 . _ -, starting with a letter');
  const role = staffRole(input.role);
  const password = input.password ?? newOneTimePassword();
  assertAcceptablePassword(password, username);
  const totpSecret = newTotpSecret();
  const passwordHash = await hashSecret(password);
  await ctx.db.transaction(async (t) => {
    if (await findAccount(ctx.db, username, t)) throw new AppError('CONFLICT', `the username ${username} is taken`);
    const accountId = randomUUID();
    await insertAccount(ctx.db, { accountId, username, role, kind: 'staff', passwordHash, mustChangePassword: !input.password,
      totpSecretEnc: encryptTotpSecret(ctx.totpKey, accountId, totpSecret) }, t);
    await record(ctx, { ...requestOf(input), accountId, username, role, event: 'add' }, t);
  });
  return { username, password, totpSecret, totpUri: totpUri(username, totpSecret) };
}

/** A system client (the portal): a client id and secret, no second factor. */
export async function addApiClient(ctx: AccountsContext, input: ChangeRequest & { name: string; role: string }):
  Promise<{ clientId: string; clientSecret: string }> {
  const name = normalizeUsername(input.name);
  if (!/^[a-z][a-z0-9_-]{1,40}$/.test(name)) throw new AppError('VALIDATION_FAILED', 'name: 2-41 of a-z 0-9 _ -, starting with a letter');
  if (!isRole(input.role) || !CLIENT_ROLES.includes(input.role)) {
    throw new AppError('VALIDATION_FAILED', `an API client's role is one of: ${CLIENT_ROLES.join(', ')}`);
  }
  const role = input.role;
  const clientId = `${name}-${randomBytes(4).toString('hex')}`;
  const clientSecret = newClientSecret();
  const passwordHash = await hashSecret(clientSecret);
  await ctx.db.transaction(async (t) => {
    const accountId = await insertAccount(ctx.db, { username: clientId, displayName: input.name, role, kind: 'client',
      passwordHash, mustChangePassword: false }, t);
    await record(ctx, { ...requestOf(input), accountId, username: clientId, role, event: 'add' }, t);
  });
  return { clientId, clientSecret };
}

function staffRole(role: string): Role {
  if (!isRole(role) || !STAFF_ROLES.includes(role)) throw new AppError('VALIDATION_FAILED', `a person's role is one of: ${STAFF_ROLES.join(', ')}`);
  return role;
}

/** Runs `change` on the locked row of an existing account, then records it. */
async function changeAccount(ctx: AccountsContext, usernameRaw: string, req: ChangeRequest, event: RegisterEntry['event'],
  change: (a: AccountRow, t: Transaction) => Promise<string | void>): Promise<void> {
  if (!req.reason?.trim()) throw new AppError('VALIDATION_FAILED', 'a reason is required');
  await ctx.db.transaction(async (t) => {
    const a = await findAccount(ctx.db, normalizeUsername(usernameRaw), t, true);
    if (!a) throw new AppError('NOT_FOUND', 'no such account');
    const role = (await change(a, t)) ?? a.role;
    await record(ctx, { ...requestOf(req), accountId: a.account_id, username: a.username, role, event }, t);
  });
}

/** Transfer or retirement (R6.6: disabled at once): every token dies with it. */
export function disableAccount(ctx: AccountsContext, input: ChangeRequest & { username: string }): Promise<void> {
  return changeAccount(ctx, input.username, input, 'disable', async (a, t) => {
    await updateAccount(ctx.db, a.account_id, { status: 'disabled' }, t);
    await revokeAllTokens(ctx.db, a.account_id, t);
  });
}

export function enableAccount(ctx: AccountsContext, input: ChangeRequest & { username: string }): Promise<void> {
  return changeAccount(ctx, input.username, input, 'enable', async (a, t) => {
    await updateAccount(ctx.db, a.account_id, { status: 'active', failed_count: 0, locked_until: null }, t);
  });
}

/** Takes effect at the next request: the middleware reads the role with the token. */
export function changeRole(ctx: AccountsContext, input: ChangeRequest & { username: string; role: string }): Promise<void> {
  return changeAccount(ctx, input.username, input, 'role_change', async (a, t) => {
    const role = a.kind === 'staff' ? staffRole(input.role) : null;
    if (!role) throw new AppError('VALIDATION_FAILED', 'an API client keeps its role; add a new client instead');
    await updateAccount(ctx.db, a.account_id, { role }, t);
    return role;
  });
}

/** Lost password or authenticator: a new one-time password and TOTP secret; old tokens die. */
export async function resetCredentials(ctx: AccountsContext, input: ChangeRequest & { username: string }):
  Promise<NewStaffAccount> {
  const password = newOneTimePassword();
  const totpSecret = newTotpSecret();
  const passwordHash = await hashSecret(password);
  let username = '';
  await changeAccount(ctx, input.username, input, 'password_reset', async (a, t) => {
    if (a.kind !== 'staff') throw new AppError('VALIDATION_FAILED', 'API clients are replaced, not reset');
    username = a.username;
    await updateAccount(ctx.db, a.account_id, { password_hash: passwordHash, must_change_password: 1, failed_count: 0,
      locked_until: null, totp_secret_enc: encryptTotpSecret(ctx.totpKey, a.account_id, totpSecret), totp_last_step: null,
      password_changed_at: sqlTime() }, t);
    await revokeAllTokens(ctx.db, a.account_id, t);
  });
  return { username, password, totpSecret, totpUri: totpUri(username, totpSecret) };
}
