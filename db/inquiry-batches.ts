/**
 * 情報提供等記録 of batch inquiries (migrations 0010, 0011): one `inquiry_batches` row per batch —
 * when, remote, operation, purpose, actor, reference, size — holding its persons as one list
 * (`member_list`, JSON `[[資格仮名ID, outcome, 提供許可証|null], …]`) with the lowest and highest
 * 資格仮名ID in it (the lookup by person). Each person of a batch is one record: its record ID is
 * the batch ID followed by its position in 8 hex digits (`memberRecordId`), and its time,
 * purpose and actor are the batch's. The view `inquiry_batch_members` shows them as rows. IDs
 * only: never a My Number nor an answer.
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
 * The persons go as one JSON document in the batch's row: one row per batch instead of one per
 * person (migration 0011). Sent as bytes (jsonParam), so no value is escaped here; MariaDB checks
 * the document (JSON_VALID) and the columns' widths (strict mode: an overlong value fails the
 * INSERT, it is never truncated).
 */
const INSERT_BATCH = `INSERT INTO inquiry_batches (batch_id, at, remote, operation, purpose, actor, batch_ref, members, first_pseudonym_id,
    last_pseudonym_id, member_list)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${JSON_TEXT})`;

/**
 * The statement that records one batch inquiry, for one transaction — recordInquiryBatch's, or the
 * caller's with its own writes of the same answer.
 */
export function inquiryBatchStatements(b: InquiryBatch, now = Date.now()): { batchId: string; statements: { sql: string; values: unknown[] }[] } {
  const batchId = inquiryBatchId(now);
  let first = b.members[0]?.pseudonymId ?? null;
  let last = first;
  const list = b.members.map((m) => {
    if (m.pseudonymId < first!) first = m.pseudonymId;
    if (m.pseudonymId > last!) last = m.pseudonymId;
    return [m.pseudonymId, m.outcome, m.permitId ?? null];
  });
  return { batchId, statements: [{ sql: INSERT_BATCH, values: [batchId, sqlTime(new Date(now)), b.remote, b.operation, b.purpose, b.actor,
    b.batchRef ?? null, b.members.length, first, last, jsonParam(list)] }] };
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

type Member = [pseudonymId: string, outcome: string, permitId: string | null];

/**
 * The first `limit` batch records in the order (at, record ID) — the order of `inquiry_records`
 * in the API, since a record ID is the batch ID (which sorts with the time) and the position in
 * fixed-width lower-case hex. The batches are listed in that order from the cursor's on (by
 * `ix_inquiry_batches_at`, without their lists), `limit + 2` at a time; then each batch's list is
 * read and parsed here, one batch at a time, until `limit` records are found. By person, only the
 * batches whose range of 資格仮名IDs holds the person are listed (`ix_inquiry_batches_persons`: one
 * per run and inquiry) and their entries of that person taken. Parsing a list of 10,000 here takes
 * a few ms; MariaDB's JSON_SEARCH and JSON_EXTRACT took ~7 and ~5 ms each on the same list.
 */
export async function listBatchRecords(db: Sequelize, q: BatchRecordQuery): Promise<BatchRecordRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.from) { where.push('b.at >= ?'); params.push(q.from); }
  if (q.to) { where.push('b.at < ?'); params.push(q.to); }
  if (q.pseudonymId) { where.push('b.first_pseudonym_id <= ? AND b.last_pseudonym_id >= ?'); params.push(q.pseudonymId, q.pseudonymId); }
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
      const [row] = await db.query<{ member_list: string }>('SELECT member_list FROM inquiry_batches WHERE batch_id = ?',
        { replacements: [b.batch_id], type: QueryTypes.SELECT });
      const list = JSON.parse(row!.member_list) as Member[];
      for (let i = afterSeq; i < list.length; i++) {
        const [pseudonymId, outcome, permitId] = list[i]!;
        if (q.pseudonymId && pseudonymId !== q.pseudonymId) continue;
        out.push({ record_id: memberRecordId(b.batch_id, i + 1), at: b.at, remote: b.remote, operation: b.operation, purpose: b.purpose,
          actor: b.actor, case_id: null, pseudonym_id: pseudonymId, outcome, remote_code: null, permit_id: permitId });
        if (out.length >= q.limit) return out;
      }
    }
    if (batches.length < chunk) return out;
    const last = batches[batches.length - 1]!;
    from = [last.at, last.batch_id];
    inclusive = false;
  }
}
