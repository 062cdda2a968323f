/**
 * SQL of staff_accounts and account_register (migration 0002), returning plain rows. The
 * application account may not DELETE anything: accounts are disabled, never removed, so the
 * register and the audit log can always name who an account was.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { sqlTime } from '../../db/connection';
import type { Role } from '../../common/permissions';

export type AccountKind = 'staff' | 'client';
export type AccountStatus = 'active' | 'disabled';
export type RegisterEvent = 'add' | 'disable' | 'enable' | 'role_change' | 'password_reset';

export interface AccountRow {
  account_id: string;
  username: string;
  display_name: string | null;
  role: string;
  kind: AccountKind;
  password_hash: string;
  must_change_password: number;
  totp_secret_enc: Buffer | null;
  totp_last_step: number | null;
  status: AccountStatus;
  failed_count: number;
  locked_until: Date | null;
  password_changed_at: Date;
  last_login_at: Date | null;
  created_at: Date;
}

export interface NewAccount {
  accountId?: string;
  username: string;
  displayName?: string;
  role: Role;
  kind: AccountKind;
  passwordHash: string;
  mustChangePassword: boolean;
  totpSecretEnc?: Buffer;
}

export async function findAccount(db: Sequelize, username: string, t?: Transaction, forUpdate = false): Promise<AccountRow | null> {
  const rows = await db.query<AccountRow>(
    `SELECT * FROM staff_accounts WHERE username = ?${forUpdate ? ' FOR UPDATE' : ''}`,
    { replacements: [username], type: QueryTypes.SELECT, transaction: t },
  );
  return rows[0] ?? null;
}

export async function insertAccount(db: Sequelize, a: NewAccount, t: Transaction): Promise<string> {
  const id = a.accountId ?? randomUUID();
  const now = sqlTime();
  await db.query(
    `INSERT INTO staff_accounts (account_id, username, display_name, role, kind, password_hash, must_change_password,
       totp_secret_enc, status, failed_count, password_changed_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?)`,
    { replacements: [id, a.username, a.displayName ?? null, a.role, a.kind, a.passwordHash, a.mustChangePassword ? 1 : 0,
      a.totpSecretEnc ?? null, now, now, now], transaction: t },
  );
  return id;
}

/** Column → value; keys are fixed by the callers in this folder, never taken from a request. */
export async function updateAccount(db: Sequelize, accountId: string, set: Record<string, unknown>, t?: Transaction): Promise<void> {
  const cols = Object.keys(set);
  await db.query(
    `UPDATE staff_accounts SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE account_id = ?`,
    { replacements: [...cols.map((c) => set[c]), sqlTime(), accountId], transaction: t },
  );
}

export interface RegisterEntry {
  accountId: string;
  username: string;
  event: RegisterEvent;
  role: string;
  reason?: string;
  requestedBy: string;
  approvedBy?: string;
}

export async function appendRegister(db: Sequelize, e: RegisterEntry, t: Transaction): Promise<void> {
  await db.query(
    `INSERT INTO account_register (account_id, username, event, role, reason, requested_by, approved_by, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    { replacements: [e.accountId, e.username, e.event, e.role, e.reason ?? null, e.requestedBy, e.approvedBy ?? null,
      sqlTime()], transaction: t },
  );
}

/** What an administrator may see of an account: no hash, no secret (R6.5 "login status visible"). */
export interface AccountSummary {
  username: string;
  displayName: string | null;
  role: string;
  kind: AccountKind;
  status: AccountStatus;
  failedCount: number;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  passwordChangedAt: string;
  createdAt: string;
}

export async function listAccounts(db: Sequelize): Promise<AccountSummary[]> {
  const rows = await db.query<AccountRow>('SELECT * FROM staff_accounts ORDER BY kind, username', { type: QueryTypes.SELECT });
  return rows.map((r) => ({
    username: r.username, displayName: r.display_name, role: r.role, kind: r.kind, status: r.status,
    failedCount: Number(r.failed_count), lockedUntil: r.locked_until?.toISOString() ?? null,
    lastLoginAt: r.last_login_at?.toISOString() ?? null, passwordChangedAt: r.password_changed_at.toISOString(),
    createdAt: r.created_at.toISOString(),
  }));
}
