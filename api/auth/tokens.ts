/**
 * Opaque bearer tokens. Every request looks its token up (by SHA-256) together with the account,
 * so revocation, a disabled account or a role change take effect at the next request — the
 * reason these are not JWTs. Lifetimes: a staff working day; one hour for a system client,
 * which can simply ask again. A staff token also ends after STAFF_IDLE_TIMEOUT_MS without a request
 * (an unattended terminal, R6.5); `last_used_at` is refreshed at most once a minute.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { sqlTime } from '../../db/connection';
import { isRole, type Role } from '../../common/permissions';
import type { AccountKind } from './accounts-repo';
import { newOpaqueToken, sha256Hex } from './secrets';
import { query } from '../../db/query';

export const STAFF_TOKEN_TTL_MS = 8 * 60 * 60 * 1000;
export const CLIENT_TOKEN_TTL_MS = 60 * 60 * 1000;
export const STAFF_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
const LAST_USED_RESOLUTION_MS = 60 * 1000;

/** Who is calling; set on `res.locals.actor` by `authenticate`. */
export interface Actor {
  accountId: string;
  username: string;
  role: Role;
  kind: AccountKind;
}

export interface TokenGrant {
  accessToken: string;
  expiresAt: string;
}

/** @param prefix TOKEN_PREFIX for an API token, CODEC_TOKEN_PREFIX for a codec sign-in (secrets.ts) */
export async function issueToken(db: Sequelize, accountId: string, ttlMs: number, t?: Transaction, prefix?: string): Promise<TokenGrant> {
  const accessToken = newOpaqueToken(prefix);
  const now = new Date();
  const expires = new Date(now.getTime() + ttlMs);
  await query(db,
    'INSERT INTO access_tokens (token_hash, account_id, expires_at, revoked_at, created_at) VALUES (?, ?, ?, NULL, ?)',
    { replacements: [sha256Hex(accessToken), accountId, sqlTime(expires), sqlTime(now)], transaction: t },
  );
  return { accessToken, expiresAt: expires.toISOString() };
}

/** The actor behind a live token of an active account, else null (unknown, expired, revoked, disabled). */
export async function resolveToken(db: Sequelize, tokenHash: string): Promise<Actor | null> {
  const now = new Date();
  const [row] = await query<{ account_id: string; username: string; role: string; kind: AccountKind; last_used: Date }>(db,
    `SELECT a.account_id, a.username, a.role, a.kind, COALESCE(t.last_used_at, t.created_at) AS last_used
       FROM access_tokens t JOIN staff_accounts a ON a.account_id = t.account_id
      WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ? AND a.status = 'active'`,
    { replacements: [tokenHash, sqlTime(now)], type: QueryTypes.SELECT },
  );
  if (!row || !isRole(row.role)) return null;
  const idleMs = now.getTime() - new Date(row.last_used).getTime();
  if (row.kind === 'staff' && idleMs > STAFF_IDLE_TIMEOUT_MS) return null;
  if (idleMs > LAST_USED_RESOLUTION_MS) {
    await query(db, 'UPDATE access_tokens SET last_used_at = ? WHERE token_hash = ?', { replacements: [sqlTime(now), tokenHash] });
  }
  return { accountId: row.account_id, username: row.username, role: row.role, kind: row.kind };
}

export async function revokeToken(db: Sequelize, tokenHash: string, t?: Transaction): Promise<void> {
  await query(db, 'UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL',
    { replacements: [sqlTime(), tokenHash], transaction: t });
}

/** Revokes every live token of an account (disable, credential reset), optionally sparing one. */
export async function revokeAllTokens(db: Sequelize, accountId: string, t?: Transaction, exceptHash = ''): Promise<void> {
  await query(db,
    'UPDATE access_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL AND token_hash <> ?',
    { replacements: [sqlTime(), accountId, exceptHash], transaction: t },
  );
}
