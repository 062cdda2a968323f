/**
 * Login, client tokens, logout and password change (R6.5).
 * - A refused login always answers the same 401, whatever failed (unknown name, password,
 *   one-time code, lock, disabled), and an unknown name costs the same argon2 time; the audit
 *   log, which only auditors read, records the real reason for the periodic review of R6.5.
 * - Every refused staff attempt counts towards the lock: MAX_FAILED_LOGINS in a row lock the
 *   account for LOCKOUT_MS. API clients are not locked (anyone knowing the client id could lock
 *   the portal out); their secrets are 256-bit random and the per-IP limit applies.
 * - The actor of an audit entry is the account's username, or 'anonymous' when the name is
 *   unknown (what people type there is sometimes their password). Never a password or code.
 */
import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { sqlTime } from '../../db/connection';
import { AppError } from '../errors';
import type { AccountsContext } from './accounts';
import { assertAcceptablePassword } from './accounts';
import { findAccount, updateAccount, type AccountRow } from './accounts-repo';
import { CODEC_TOKEN_PREFIX, TOKEN_PREFIX, burnVerification, checkTotp, decryptTotpSecret, hashSecret, verifySecret } from './secrets';
import { CLIENT_TOKEN_TTL_MS, STAFF_TOKEN_TTL_MS, issueToken, revokeAllTokens, revokeToken, type Actor, type TokenGrant } from './tokens';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;
export const LOGIN_FAILED_MESSAGE = 'login failed: the credentials are wrong, or the account is locked or disabled';

const PURPOSE = 'authentication (R6.5)';

/**
 * Where a person signs in: the API (a bearer token) or the Temporal UI's codec (a cookie that
 * only /codec accepts, api/auth/codec-session.ts). Both take the same checks; the audit entries
 * of a codec sign-in say `via: "codec"`.
 */
export type SignInChannel = 'api' | 'codec';
const TOKEN_PREFIX_OF: Record<SignInChannel, string> = { api: TOKEN_PREFIX, codec: CODEC_TOKEN_PREFIX };

/** What an audit entry of an attempt records about its origin. */
type Where = { ip: string; via?: SignInChannel };
const whereOf = (ip: string, via: SignInChannel = 'api'): Where => (via === 'api' ? { ip } : { ip, via });

async function refuse(ctx: AccountsContext, action: string, a: AccountRow | null, reason: string, where: Where,
  error = new AppError('UNAUTHENTICATED', LOGIN_FAILED_MESSAGE)): Promise<never> {
  await ctx.audit.append({ actor: a?.username ?? 'anonymous', action, purpose: PURPOSE, targetType: a ? 'account' : undefined,
    targetId: a?.account_id, outcome: 'denied', detail: { reason, ...where } });
  throw error;
}

/** Counts a failure under the row lock (two parallel guesses must both count) and locks at the limit. */
async function countFailure(ctx: AccountsContext, a: AccountRow, ip: string): Promise<void> {
  await ctx.db.transaction(async (t) => {
    const [row] = await ctx.db.query<{ failed_count: number }>(
      'SELECT failed_count FROM staff_accounts WHERE account_id = ? FOR UPDATE',
      { replacements: [a.account_id], type: QueryTypes.SELECT, transaction: t });
    const failed = Number(row.failed_count) + 1;
    if (failed < MAX_FAILED_LOGINS) return updateAccount(ctx.db, a.account_id, { failed_count: failed }, t);
    await updateAccount(ctx.db, a.account_id, { failed_count: 0, locked_until: sqlTime(new Date(Date.now() + LOCKOUT_MS)) }, t);
    await ctx.audit.append({ actor: a.username, action: 'auth.lockout', purpose: PURPOSE, targetType: 'account',
      targetId: a.account_id, outcome: 'denied', detail: { failures: failed, lockedForMinutes: LOCKOUT_MS / 60_000, ip } }, t);
  });
}

/** Why the factors do not hold, or the accepted TOTP time step. */
async function checkFactors(ctx: AccountsContext, a: AccountRow, password: string, otp: string | undefined):
  Promise<{ reason: string } | { step: number }> {
  if (!(await verifySecret(a.password_hash, password))) return { reason: 'bad_password' };
  if (!a.totp_secret_enc) return { reason: 'no_second_factor_enrolled' };
  if (!otp) return { reason: 'otp_missing' };
  const secret = decryptTotpSecret(ctx.totpKey, a.account_id, a.totp_secret_enc);
  const step = checkTotp(secret, otp, a.totp_last_step === null ? null : Number(a.totp_last_step));
  if (step !== null) return { step };
  // A valid but used code means someone else saw it (shoulder, phishing): worth its own reason.
  return { reason: checkTotp(secret, otp, null) === null ? 'bad_otp' : 'otp_replayed' };
}

export interface LoginInput { username: string; password: string; otp?: string; ip: string; via?: SignInChannel }

/** Staff login: password and TOTP (R6.5 "strong second factor"), for the API or the codec (`via`). */
export async function loginStaff(ctx: AccountsContext, input: LoginInput): Promise<TokenGrant & { passwordChangeRequired: boolean }> {
  const where = whereOf(input.ip, input.via);
  const a = await findAccount(ctx.db, input.username.trim().toLowerCase());
  if (!a || a.kind !== 'staff') {
    await burnVerification(input.password);
    return refuse(ctx, 'auth.login', null, a ? 'not_a_person' : 'unknown_user', where);
  }
  const blocked = a.status !== 'active' ? 'disabled' : a.locked_until && a.locked_until > new Date() ? 'locked' : null;
  if (blocked) {
    await burnVerification(input.password);
    return refuse(ctx, 'auth.login', a, blocked, where);
  }
  const factors = await checkFactors(ctx, a, input.password, input.otp);
  if ('reason' in factors) {
    await countFailure(ctx, a, input.ip);
    return refuse(ctx, 'auth.login', a, factors.reason, where);
  }
  const grant = await ctx.db.transaction(async (t: Transaction) => {
    // The step guard makes a code single-use even against a parallel login with the same code.
    const [, changed] = await ctx.db.query(
      `UPDATE staff_accounts SET failed_count = 0, locked_until = NULL, last_login_at = ?, totp_last_step = ?, updated_at = ?
        WHERE account_id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)`,
      { replacements: [sqlTime(), factors.step, sqlTime(), a.account_id, factors.step], type: QueryTypes.UPDATE, transaction: t });
    if (changed !== 1) return null;
    const issued = await issueToken(ctx.db, a.account_id, STAFF_TOKEN_TTL_MS, t, TOKEN_PREFIX_OF[input.via ?? 'api']);
    await ctx.audit.append({ actor: a.username, action: 'auth.login', purpose: PURPOSE, targetType: 'account',
      targetId: a.account_id, outcome: 'ok', detail: where }, t);
    return issued;
  });
  if (!grant) return refuse(ctx, 'auth.login', a, 'otp_replayed', where);
  return { ...grant, passwordChangeRequired: Number(a.must_change_password) === 1 };
}

/** Client credentials (the portal). */
export async function issueClientToken(ctx: AccountsContext, input: { clientId: string; clientSecret: string; ip: string }):
  Promise<TokenGrant> {
  const a = await findAccount(ctx.db, input.clientId.trim().toLowerCase());
  if (!a || a.kind !== 'client') {
    await burnVerification(input.clientSecret);
    return refuse(ctx, 'auth.token', null, 'unknown_client', { ip: input.ip });
  }
  if (!(await verifySecret(a.password_hash, input.clientSecret))) return refuse(ctx, 'auth.token', a, 'bad_secret', { ip: input.ip });
  if (a.status !== 'active') return refuse(ctx, 'auth.token', a, 'disabled', { ip: input.ip });
  return ctx.db.transaction(async (t) => {
    const issued = await issueToken(ctx.db, a.account_id, CLIENT_TOKEN_TTL_MS, t);
    await ctx.audit.append({ actor: a.username, action: 'auth.token', purpose: PURPOSE, targetType: 'account',
      targetId: a.account_id, outcome: 'ok', detail: { ip: input.ip } }, t);
    return issued;
  });
}

export async function logout(ctx: AccountsContext, actor: Actor, tokenHash: string, ip: string, via?: SignInChannel): Promise<void> {
  await ctx.db.transaction(async (t) => {
    await revokeToken(ctx.db, tokenHash, t);
    await ctx.audit.append({ actor: actor.username, action: 'auth.logout', purpose: PURPOSE, targetType: 'account',
      targetId: actor.accountId, outcome: 'ok', detail: whereOf(ip, via) }, t);
  });
}

/** A person replaces the one-time password; the other sessions of the account end. */
export async function changePassword(ctx: AccountsContext, actor: Actor, input: { currentPassword: string; newPassword: string },
  tokenHash: string, ip: string): Promise<void> {
  const a = await findAccount(ctx.db, actor.username);
  if (!a || a.kind !== 'staff') throw new AppError('FORBIDDEN', 'only people have passwords to change');
  if (!(await verifySecret(a.password_hash, input.currentPassword))) {
    await countFailure(ctx, a, ip);
    // 403, not 401: the caller's token is fine, only the confirmation failed.
    return refuse(ctx, 'auth.password_change', a, 'bad_password', { ip }, new AppError('FORBIDDEN', 'the current password is wrong'));
  }
  assertAcceptablePassword(input.newPassword, a.username);
  const passwordHash = await hashSecret(input.newPassword);
  await ctx.db.transaction(async (t) => {
    await updateAccount(ctx.db, a.account_id, { password_hash: passwordHash, must_change_password: 0,
      password_changed_at: sqlTime() }, t);
    await revokeAllTokens(ctx.db, a.account_id, t, tokenHash);
    await ctx.audit.append({ actor: a.username, action: 'auth.password_change', purpose: PURPOSE, targetType: 'account',
      targetId: a.account_id, outcome: 'ok', detail: { ip } }, t);
  });
}
