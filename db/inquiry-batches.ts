/**
 * 情報提供等記録 of batch inquiries (migration 0010): one `inquiry_batches` row per batch (when,
 * remote, operation, purpose, actor, reference, size) and one narrow `inquiry_batch_members` row
 * per person asked about, written together in one transaction. Each member is one record; its
 * record ID is the batch ID followed by its position in 8 hex digits (`memberRecordId`), and its
 * time, purpose and actor are the batch's. IDs only: never a My Number nor an answer.
 */
import { randomBytes } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { RemoteName } from '../adapters';
import { JSON_TEXT, jsonParam, runTransaction } from './bulk';
import { sqlTime } from './connection';

export interface InquiryBatchMember {
  pseudonymId: string;
  outcome: string;
  permitId?: string | null;
}

export interface InquiryBatch {
  remote: RemoteName;
  operation: string;
  purpose: string;
  actor: string;
  /** What the batch belongs to, e.g. `recon:<runId>:<pageNo>` (IDs only). */
  batchRef?: string;
  members: InquiryBatchMember[];
}

/**
 * A batch ID: the time in milliseconds (12 hex digits, in the layout of a UUIDv7's first two
 * groups), then a random part — 28 characters, so `batch_id || 8 hex digits` is a UUID-shaped
 * record ID and a person's records sort by time on the members' primary key.
 */
export function inquiryBatchId(now = Date.now()): string {
  const t = now.toString(16).padStart(12, '0');
  const r = randomBytes(5).toString('hex');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(0, 3)}-8${r.slice(3, 6)}-${r.slice(6, 10)}`;
}

/** The record ID of the member at `seq` (1-based) of a batch. */
export const memberRecordId = (batchId: string, seq: number): string => `${batchId}${seq.toString(16).padStart(8, '0')}`;

/**
 * The members go as one JSON array per chunk that MariaDB expands with JSON_TABLE (its ordinal is
 * the position): no per-value escaping here, and against a multi-row VALUES list a quarter less
 * work for the database. The columns are wider than the table's: an overlong value fails the
 * INSERT (strict mode), it is never truncated here.
 */
const INSERT_MEMBERS = `INSERT INTO inquiry_batch_members (pseudonym_id, batch_id, seq, outcome, permit_id)
  SELECT j.pseudonym_id, ?, j.n + ?, j.outcome, j.permit_id
    FROM JSON_TABLE(${JSON_TEXT}, '$[*]' COLUMNS (n FOR ORDINALITY, pseudonym_id VARCHAR(255) PATH '$[0]', outcome VARCHAR(255) PATH '$[1]',
      permit_id VARCHAR(255) PATH '$[2]')) AS j`;
const INSERT_BATCH = `INSERT INTO inquiry_batches (batch_id, at, remote, operation, purpose, actor, batch_ref, members)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const CHUNK = 10_000;

/**
 * The statements that record one batch inquiry (the batch row, then its members in chunks), for
 * one transaction — recordInquiryBatch's, or the caller's with its own writes of the same answer.
 */
export function inquiryBatchStatements(b: InquiryBatch, now = Date.now()): { batchId: string; statements: { sql: string; values: unknown[] }[] } {
  const batchId = inquiryBatchId(now);
  const statements = [{ sql: INSERT_BATCH, values: [batchId, sqlTime(new Date(now)), b.remote, b.operation, b.purpose, b.actor, b.batchRef ?? null,
    b.members.length] as unknown[] }];
  for (let i = 0; i < b.members.length; i += CHUNK) {
    const json = jsonParam(b.members.slice(i, i + CHUNK).map((m) => [m.pseudonymId, m.outcome, m.permitId ?? null]));
    statements.push({ sql: INSERT_MEMBERS, values: [batchId, i, json] });
  }
  return { batchId, statements };
}

/** Records one batch inquiry: the batch and all its members, or nothing. Returns the batch ID. */
export async function recordInquiryBatch(db: Sequelize, b: InquiryBatch, now = Date.now()): Promise<string | null> {
  if (b.members.length === 0) return null;
  const { batchId, statements } = inquiryBatchStatements(b, now);
  await runTransaction(db, statements);
  return batchId;
}

/** A record of `GET /api/v1/inquiry-records`: an `inquiry_records` row, or a batch member in its shape. */
export interface InquiryRecordRow {
  record_id: string;
  /** DATETIME(3) text, UTC, as `DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f')`. */
  at: string;
  remote: string;
  operation: string;
  purpose: string;
  actor: string;
  case_id: string | null;
  pseudonym_id: string | null;
  outcome: string;
  remote_code: string | null;
  permit_id: string | null;
}

/** A member as a record: no case, no remote code, always a person. */
export type BatchRecordRow = InquiryRecordRow & { case_id: null; pseudonym_id: string; remote_code: null };

export interface BatchRecordQuery {
  /** Inclusive lower bound of `at` (DATETIME(3) text, UTC). */
  from?: string;
  /** Exclusive upper bound of `at`. */
  to?: string;
  pseudonymId?: string;
  /** Only records after this (at, record ID), in the order (at, record ID). */
  after?: [string, string];
  limit: number;
}

const AT = "DATE_FORMAT(b.at, '%Y-%m-%d %H:%i:%s.%f')";

/**
 * The first `limit` batch records in the order (at, record ID) — the order of `inquiry_records`
 * in the API, since a record ID is the batch ID (which sorts with the time) and the position in
 * fixed-width lower-case hex. By person: the members' primary key, then each batch by its key.
 * By period only: the batches by `ix_inquiry_batches_at`, then each batch's members from the
 * cursor's position on by `ix_inquiry_batch_members_batch`, until `limit` records are found.
 */
export async function listBatchRecords(db: Sequelize, q: BatchRecordQuery): Promise<BatchRecordRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.from) { where.push('b.at >= ?'); params.push(q.from); }
  if (q.to) { where.push('b.at < ?'); params.push(q.to); }
  if (q.pseudonymId) {
    if (q.after) {
      where.push("(b.at > ? OR (b.at = ? AND CONCAT(m.batch_id, LPAD(LOWER(HEX(m.seq)), 8, '0')) > ?))");
      params.push(q.after[0], q.after[0], q.after[1]);
    }
    return db.query<BatchRecordRow>(
      `SELECT CONCAT(m.batch_id, LPAD(LOWER(HEX(m.seq)), 8, '0')) AS record_id, ${AT} AS at, b.remote, b.operation, b.purpose, b.actor,
              NULL AS case_id, m.pseudonym_id, m.outcome, NULL AS remote_code, m.permit_id
         FROM inquiry_batch_members m JOIN inquiry_batches b ON b.batch_id = m.batch_id
        WHERE m.pseudonym_id = ?${where.map((w) => ` AND ${w}`).join('')}
        ORDER BY b.at, m.batch_id, m.seq LIMIT ${Number(q.limit)}`,
      { replacements: [q.pseudonymId, ...params], type: QueryTypes.SELECT });
  }
  // A record ID from the cursor: its first 28 characters against the batch ID, the rest against the position.
  const [afterAt, afterId] = q.after ?? [];
  const afterHead = afterId?.slice(0, 28);
  const afterTail = afterId?.slice(28);
  const out: BatchRecordRow[] = [];
  let from: [string, string] | undefined = afterAt !== undefined && afterHead !== undefined ? [afterAt, afterHead] : undefined;
  let inclusive = true; // the cursor's own batch may still have members after the cursor
  const chunk = q.limit + 2;
  for (;;) {
    const bw = [...where];
    const bp = [...params];
    if (from) { bw.push(`(b.at > ? OR (b.at = ? AND b.batch_id ${inclusive ? '>=' : '>'} ?))`); bp.push(from[0], from[0], from[1]); }
    const batches = await db.query<{ batch_id: string; at: string; remote: string; operation: string; purpose: string; actor: string }>(
      `SELECT b.batch_id, ${AT} AS at, b.remote, b.operation, b.purpose, b.actor FROM inquiry_batches b
        ${bw.length ? `WHERE ${bw.join(' AND ')}` : ''} ORDER BY b.at, b.batch_id LIMIT ${chunk}`,
      { replacements: bp, type: QueryTypes.SELECT });
    for (const b of batches) {
      let afterSeq = 0;
      if (afterAt !== undefined && b.at === afterAt && afterHead !== undefined && afterTail !== undefined) {
        if (b.batch_id < afterHead) continue;
        if (b.batch_id === afterHead) afterSeq = /^[0-9a-f]{8}$/.test(afterTail) ? Number.parseInt(afterTail, 16) : 2 ** 32;
      }
      const members = await db.query<{ seq: number; pseudonym_id: string; outcome: string; permit_id: string | null }>(
        `SELECT seq, pseudonym_id, outcome, permit_id FROM inquiry_batch_members
          WHERE batch_id = ? AND seq > ? ORDER BY seq LIMIT ${Number(q.limit - out.length)}`,
        { replacements: [b.batch_id, afterSeq], type: QueryTypes.SELECT });
      for (const m of members) {
        out.push({ record_id: memberRecordId(b.batch_id, m.seq), at: b.at, remote: b.remote, operation: b.operation, purpose: b.purpose,
          actor: b.actor, case_id: null, pseudonym_id: m.pseudonym_id, outcome: m.outcome, remote_code: null, permit_id: m.permit_id });
      }
      if (out.length >= q.limit) return out;
    }
    if (batches.length < chunk) return out;
    const last = batches[batches.length - 1]!;
    from = [last.at, last.batch_id];
    inclusive = false;
  }
}
