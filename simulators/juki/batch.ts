/**
 * Batch inquiry (一括照会): a file of request records is accepted at once and answered later.
 * The record layout is our own (the real one is not public) and is documented in README.md;
 * the code values below are that layout's enums. Results are computed when the batch becomes
 * ready, from the register as it is then, and deleted after their retention period (R6.9).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isValidMyNumber } from '../../common/mynumber';
import { SimError } from '../common/http';
import type { ChangeReason, Resident } from './population';
import type { Registry } from './registry';

export const LAYOUT_VERSION = 'JUKI-SIM-BATCH-1';

/** 異動事由コード */
export const CHANGE_REASON_CODES: Record<ChangeReason, string> = {
  出生: '01', 転入: '02', 転居: '03', 転出: '04', 死亡: '05', 職権修正: '06', 氏名変更: '07',
};
/** 照会結果コード: 00 該当, 10 該当なし, 11 複数該当, 90 要求レコード不備 */
export type ResultCode = '00' | '10' | '11' | '90';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const requestRecordSchema = z.object({
  seq: z.number().int().positive(),
  kind: z.enum(['01', '02']), // 01 個人番号→本人確認情報, 02 4情報→個人番号
  myNumber: z.string().nullable().default(null),
  nameKanji: z.string().nullable().default(null),
  birthDate: z.string().nullable().default(null),
  sexCode: z.enum(['1', '2']).nullable().default(null), // 1 男, 2 女
  address: z.string().nullable().default(null),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

export interface ResultRecord {
  seq: number;
  kind: '01' | '02';
  resultCode: ResultCode;
  matchCount: number;
  /** Only for kind 02 with a single match: a kind 01 answer never echoes the number (R6.1). */
  myNumber: string | null;
  residentCode: string | null;
  nameKanji: string | null;
  nameKana: string | null;
  birthDate: string | null;
  sexCode: '1' | '2' | null;
  postalCode: string | null;
  address: string | null;
  changeDate: string | null;
  changeReasonCode: string | null;
  /** 0 住民, 1 消除 (死亡) */
  statusCode: '0' | '1' | null;
}

function empty(r: RequestRecord, resultCode: ResultCode, matchCount = 0): ResultRecord {
  return {
    seq: r.seq, kind: r.kind, resultCode, matchCount, myNumber: null, residentCode: null, nameKanji: null,
    nameKana: null, birthDate: null, sexCode: null, postalCode: null, address: null, changeDate: null,
    changeReasonCode: null, statusCode: null,
  };
}

/** Every key written out, in the layout's order (a spread of empty() would be V8's slow path, per record). */
function found(r: RequestRecord, p: Resident): ResultRecord {
  return {
    seq: r.seq, kind: r.kind, resultCode: '00', matchCount: 1,
    myNumber: r.kind === '02' ? p.myNumber : null,
    residentCode: p.residentCode, nameKanji: p.nameKanji, nameKana: p.nameKana, birthDate: p.birthDate,
    sexCode: p.sex === 'male' ? '1' : '2', postalCode: p.postalCode, address: p.address,
    changeDate: p.lastChange.date, changeReasonCode: CHANGE_REASON_CODES[p.lastChange.reason],
    statusCode: p.dead ? '1' : '0',
  };
}

export function answer(registry: Registry, r: RequestRecord): ResultRecord {
  if (r.kind === '01') {
    if (!r.myNumber || !isValidMyNumber(r.myNumber)) return empty(r, '90');
    const p = registry.get(r.myNumber);
    return p ? found(r, p) : empty(r, '10');
  }
  if (!r.nameKanji || !r.address || !r.sexCode || !r.birthDate || !day.safeParse(r.birthDate).success) return empty(r, '90');
  const matches = registry.searchByFourItems({
    nameKanji: r.nameKanji, address: r.address, birthDate: r.birthDate, sex: r.sexCode === '1' ? 'male' : 'female',
  });
  if (matches.length === 1 && matches[0]) return found(r, matches[0]);
  return empty(r, matches.length === 0 ? '10' : '11', matches.length);
}

interface Batch {
  batchId: string;
  requester: string;
  submittedAt: Date;
  readyAt: Date;
  requests?: RequestRecord[];
  results?: ResultRecord[];
  recordCount: number;
}

export interface BatchOptions {
  delayMs: number;
  retentionMs: number;
  maxRecords: number;
  now: () => Date;
}

export class BatchStore {
  private readonly batches = new Map<string, Batch>();
  private readonly byRequestId = new Map<string, string>();

  constructor(private readonly registry: Registry, private readonly opts: BatchOptions) {}

  /** Same (requester, requestId) → the same batch, so a retried submission is not filed twice. */
  submit(requester: string, requestId: string | undefined, records: RequestRecord[]): Batch {
    const dedupe = requestId ? `${requester}\u0000${requestId}` : undefined;
    const existing = dedupe ? this.batches.get(this.byRequestId.get(dedupe) ?? '') : undefined;
    if (existing) return existing;
    if (records.length === 0 || records.length > this.opts.maxRecords) {
      throw new SimError(400, 'BAD_RECORD_COUNT', `a batch holds 1 to ${this.opts.maxRecords} records`);
    }
    if (new Set(records.map((r) => r.seq)).size !== records.length) {
      throw new SimError(400, 'DUPLICATE_SEQ', 'seq must be unique within a batch');
    }
    const now = this.opts.now();
    const batch: Batch = {
      batchId: randomUUID(), requester, submittedAt: now, readyAt: new Date(now.getTime() + this.opts.delayMs),
      requests: records, recordCount: records.length,
    };
    this.batches.set(batch.batchId, batch);
    if (dedupe) this.byRequestId.set(dedupe, batch.batchId);
    return batch;
  }

  /** Answers pending, done (computing results once) or throws 404 / 410 once expired. */
  collect(requester: string, batchId: string): Batch {
    const batch = this.batches.get(batchId);
    // Another institution's batch is reported as unknown, not as forbidden: it must not learn it exists.
    if (!batch || batch.requester !== requester) throw new SimError(404, 'NOT_FOUND', 'no such batch');
    const now = this.opts.now().getTime();
    if (now >= batch.readyAt.getTime() + this.opts.retentionMs) {
      this.batches.delete(batchId);
      throw new SimError(410, 'BATCH_EXPIRED', 'the results were deleted after their retention period');
    }
    if (now >= batch.readyAt.getTime() && !batch.results) {
      batch.results = (batch.requests ?? []).map((r) => answer(this.registry, r));
      delete batch.requests;
    }
    return batch;
  }
}
