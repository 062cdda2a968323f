/**
 * The 情報提供等記録 for auditors (issue #3, R4.6, R6.1): every inquiry this system made to
 * 住基ネット and the 中間サーバー — when, which remote and operation, why (purpose), who (actor),
 * about which case and 資格仮名ID, with what outcome and 提供許可証. The rows hold IDs only, never
 * the number asked about nor the answer, so the auditor (inquiry:read) sees no personal data.
 * Keyset-paged by (at, record_id) like the reviewers' queue; every read is itself audited.
 * Records of single inquiries are rows of `inquiry_records`; those of batch inquiries (the yearly
 * reconciliation) are the members of `inquiry_batches` (db/inquiry-batches.ts), merged here in the
 * same order with the same fields.
 */
import { Router } from 'express';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import { AuditLog } from '../../db/audit';
import { dbUrlParts, sqlTime } from '../../db/connection';
import { listBatchRecords, type InquiryRecordRow } from '../../db/inquiry-batches';
import { addDays } from '../../domain/iso-date';
import { actorOf, requirePermission } from '../auth';
import { parseWith } from '../cases/schemas';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import './inquiry-records-openapi';
import { UUID } from '../ids';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PURPOSE = '情報提供等記録の監査 (R6.1)';

/** A day (Japan time; `from` from its start, `to` to its end) or an instant with an offset. */
const bound = z.string().refine((v) => (DAY.test(v) || /T.*(Z|[+-]\d{2}:\d{2})$/.test(v)) && !Number.isNaN(Date.parse(DAY.test(v) ? `${v}T00:00:00+09:00` : v)),
  { message: 'a date (YYYY-MM-DD, Japan time) or an ISO 8601 instant with its offset' });

export const InquiryRecordQuery = z.object({
  from: bound.optional(),
  to: bound.optional(),
  caseId: z.string().regex(UUID, 'a case ID (UUID)').optional(),
  pseudonymId: z.string().regex(UUID, 'a 資格仮名ID (UUID)').optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** `at` as stored (UTC, DATETIME(3) text) and the record ID: opaque to the client. */
const encodeCursor = (r: InquiryRecordRow) => Buffer.from(`${r.at}|${r.record_id}`).toString('base64url');
function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(at) || !UUID.test(id)) {
    throw new AppError('VALIDATION_FAILED', 'the cursor is invalid');
  }
  return [at, id];
}

/** The order of the listing, (at, record ID), as MariaDB compares them (fixed-width text, binary collation). */
const byTimeAndId = (a: InquiryRecordRow, b: InquiryRecordRow) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.record_id < b.record_id ? -1 : a.record_id > b.record_id ? 1 : 0);

const lower = (v: string) => sqlTime(new Date(DAY.test(v) ? `${v}T00:00:00+09:00` : v));
const upper = (v: string) => sqlTime(new Date(DAY.test(v) ? `${addDays(v, 1)}T00:00:00+09:00` : v));
const iso = (at: string) => `${at.slice(0, 23).replace(' ', 'T')}Z`;

export function inquiryRecordRoutes(deps: Pick<ApiDeps, 'config' | 'db'>): Router {
  const audit = new AuditLog(deps.db, dbUrlParts(deps.config.DATABASE_URL).database);
  const r = Router();

  r.get('/api/v1/inquiry-records', requirePermission('inquiry:read'), async (req, res) => {
    const q = parseWith(InquiryRecordQuery, req.query, 'the query');
    const where: string[] = [];
    const params: unknown[] = [];
    const from = q.from ? lower(q.from) : undefined;
    const to = q.to ? upper(q.to) : undefined;
    if (from && to && from >= to) throw new AppError('VALIDATION_FAILED', 'from must be before to');
    if (from) { where.push('at >= ?'); params.push(from); }
    if (to) { where.push('at < ?'); params.push(to); }
    if (q.caseId) { where.push('case_id = ?'); params.push(q.caseId); }
    if (q.pseudonymId) { where.push('pseudonym_id = ?'); params.push(q.pseudonymId); }
    if (q.cursor) { where.push('(at, record_id) > (?, ?)'); params.push(...decodeCursor(q.cursor)); }
    const single = await deps.db.query<InquiryRecordRow>(
      `SELECT record_id, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS at, remote, operation, purpose, actor, case_id, pseudonym_id,
              outcome, remote_code, permit_id
         FROM inquiry_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY inquiry_records.at, record_id LIMIT ${q.limit + 1}`, { replacements: params, type: QueryTypes.SELECT });
    // Batch inquiries (the reconciliation) have no case: their members are records too, merged in the same order.
    const batched: InquiryRecordRow[] = q.caseId ? [] : await listBatchRecords(deps.db, { from, to, pseudonymId: q.pseudonymId,
      after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 });
    const rows = [...single, ...batched].sort(byTimeAndId).slice(0, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    // Who read which records and why: the filters are IDs and times, never personal data.
    await audit.append({ actor: actorOf(res).username, action: 'inquiry_records.read', purpose: PURPOSE, outcome: 'ok',
      detail: { from: q.from, to: q.to, caseId: q.caseId, pseudonymId: q.pseudonymId, paged: Boolean(q.cursor), items: page.length } });
    res.json({
      items: page.map((x) => ({ recordId: x.record_id, at: iso(x.at), remote: x.remote, operation: x.operation, purpose: x.purpose,
        actor: x.actor, caseId: x.case_id, pseudonymId: x.pseudonym_id, outcome: x.outcome, remoteCode: x.remote_code, permitId: x.permit_id })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    });
  });
  return r;
}
