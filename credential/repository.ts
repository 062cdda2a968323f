/**
 * SQL of the credential tables (db/migrations/0004_credentials.ts). The registry status that a
 * credential reports is computed here, in one SQL expression used both by the online verifier
 * and by the status list, so the two can never disagree.
 */
import { randomInt } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { sqlTime } from '../db/connection';
import { deceasedEntrySql } from '../domain/erasure';
import { STATUS_CODES, type RegistryStatus } from './verify-core';

/** The printed fields of one version of a license; any change (書換え, 再交付, 訂正) makes a new version. */
const DIGEST = `SHA2(CONCAT_WS(CHAR(31 USING utf8mb4), r.license_number, r.name_kanji,
  DATE_FORMAT(r.license_issued_on, '%Y-%m-%d'), DATE_FORMAT(r.birth_date, '%Y-%m-%d'), r.license_edition), 256)`;

/**
 * The status code (index into STATUS_CODES) of a status entry `e` joined with its registrant `r`.
 * Death (死亡) or a declaration of disappearance (失踪宣告) is recognised from the erasure's event
 * or reason (domain/erasure.ts, the same rule that refuses a new registration); any other erasure, a revocation or a return order (返納命令) is 取消. A suspension
 * ends after `suspended_until` (inclusive, Japan time, bound as :today). An entry of an older
 * version of a still-active license is 再交付 (superseded by a reissue or a rewrite).
 */
const statusCode = (versionCheck: boolean) => `CASE
  WHEN r.registrant_id IS NULL THEN 1
  WHEN ${deceasedEntrySql('r')} THEN 4
  WHEN r.qualification_status = 'suspended' AND (r.suspended_until IS NULL OR r.suspended_until >= :today) THEN 2
  WHEN r.qualification_status NOT IN ('active', 'suspended') THEN 1
  ${versionCheck ? `WHEN e.fields_digest <> ${DIGEST} THEN 3` : ''}
  ELSE 0 END`;
const STATUS_CODE = statusCode(true);

/** Today in Japan (UTC+9, no daylight saving) as YYYY-MM-DD. */
export const todayInJapan = (now = Date.now()): string => new Date(now + 9 * 3600_000).toISOString().slice(0, 10);

export interface RegistrantLicense {
  registrantId: string;
  licenseNumber: string;
  nameKanji: string;
  birthDate: string;
  issueDate: string;
  edition: number;
  digest: string;
  status: RegistryStatus;
}

/** The registrant's license as it stands now, with its current status; null when unknown. */
export async function findLicense(db: Sequelize, registrantId: string, now = Date.now()): Promise<RegistrantLicense | null> {
  const [row] = await db.query<Record<string, string | number>>(
    `SELECT r.registrant_id, r.license_number, r.name_kanji, DATE_FORMAT(r.birth_date, '%Y-%m-%d') AS birth_date,
        DATE_FORMAT(r.license_issued_on, '%Y-%m-%d') AS issue_date, r.license_edition, ${DIGEST} AS digest,
        ${statusCode(false)} AS code
       FROM registrants r WHERE r.registrant_id = :id`,
    { replacements: { id: registrantId, today: todayInJapan(now) }, type: QueryTypes.SELECT },
  );
  if (!row) return null;
  return {
    registrantId: String(row.registrant_id), licenseNumber: String(row.license_number), nameKanji: String(row.name_kanji),
    birthDate: String(row.birth_date), issueDate: String(row.issue_date), edition: Number(row.license_edition),
    digest: String(row.digest), status: STATUS_CODES[Number(row.code)] ?? '取消',
  };
}

/** The status index of this version of the license: the existing one, or a new random free one. */
export async function statusIndexFor(db: Sequelize, lic: RegistrantLicense, listId: number, listSize: number): Promise<number> {
  const select = async () => {
    const [row] = await db.query<{ status_index: number; list_id: number }>(
      'SELECT list_id, status_index FROM credential_status_entries WHERE registrant_id = ? AND fields_digest = ?',
      { replacements: [lic.registrantId, lic.digest], type: QueryTypes.SELECT });
    return row;
  };
  const existing = await select();
  if (existing) return Number(existing.status_index);
  for (let attempt = 0; attempt < 20; attempt++) {
    const index = randomInt(listSize);
    try {
      await db.query(
        `INSERT INTO credential_status_entries (list_id, status_index, registrant_id, license_edition, fields_digest, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        { replacements: [listId, index, lic.registrantId, lic.edition, lic.digest, sqlTime()] });
      return index;
    } catch (err) {
      if ((err as { original?: { errno?: number } }).original?.errno !== 1062) throw err;
      const raced = await select(); // the same version inserted concurrently, or an index already taken
      if (raced) return Number(raced.status_index);
    }
  }
  throw new Error('no free status index found: the status list is too full (raise CREDENTIAL_STATUS_LIST_SIZE)');
}

export interface CredentialRow {
  credentialId: string;
  registrantId: string;
  edition: number;
  listId: number;
  statusIndex: number;
  profile: string;
  purpose: 'holder' | 'paper';
  keyId: string;
  issuedBy: string;
  issuedAt: Date;
  expiresAt: Date;
}

export async function insertCredential(db: Sequelize, c: CredentialRow): Promise<void> {
  await db.query(
    `INSERT INTO credentials (credential_id, registrant_id, license_edition, list_id, status_index, profile, purpose,
       key_id, issued_by, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    { replacements: [c.credentialId, c.registrantId, c.edition, c.listId, c.statusIndex, c.profile, c.purpose, c.keyId,
      c.issuedBy, sqlTime(c.issuedAt), sqlTime(c.expiresAt)] });
}

/** The registry status behind a status index, as of now. An index never handed out reports 取消. */
export async function statusOfIndex(db: Sequelize, listId: number, index: number, now = Date.now()): Promise<RegistryStatus> {
  const [row] = await db.query<{ code: number }>(
    `SELECT ${STATUS_CODE} AS code FROM credential_status_entries e
       LEFT JOIN registrants r ON r.registrant_id = e.registrant_id
      WHERE e.list_id = :listId AND e.status_index = :index`,
    { replacements: { listId, index, today: todayInJapan(now) }, type: QueryTypes.SELECT });
  return row ? (STATUS_CODES[Number(row.code)] ?? '取消') : '取消';
}

/** Every index of the list whose status is not valid, with its code (the list's only non-zero entries). */
export async function invalidIndexes(db: Sequelize, listId: number, now = Date.now()): Promise<{ index: number; code: number }[]> {
  const rows = await db.query<{ i: number; code: number }>(
    `SELECT e.status_index AS i, ${STATUS_CODE} AS code FROM credential_status_entries e
       LEFT JOIN registrants r ON r.registrant_id = e.registrant_id
      WHERE e.list_id = :listId HAVING code <> 0`,
    { replacements: { listId, today: todayInJapan(now) }, type: QueryTypes.SELECT });
  return rows.map((r) => ({ index: Number(r.i), code: Number(r.code) }));
}

// --- holder links ---

export async function insertHolderLink(db: Sequelize, link: { tokenHash: string; registrantId: string; createdBy: string; expiresAt: Date }): Promise<void> {
  await db.query(
    'INSERT INTO holder_links (token_hash, registrant_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    { replacements: [link.tokenHash, link.registrantId, link.createdBy, sqlTime(), sqlTime(link.expiresAt)] });
}

/** The registrant a live holder link belongs to; null when unknown, expired or revoked. */
export async function registrantOfHolderLink(db: Sequelize, tokenHash: string): Promise<string | null> {
  const [row] = await db.query<{ registrant_id: string }>(
    `SELECT registrant_id FROM holder_links WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`,
    { replacements: [tokenHash, sqlTime()], type: QueryTypes.SELECT });
  return row ? row.registrant_id : null;
}
