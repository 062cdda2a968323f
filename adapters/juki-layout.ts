/**
 * Our side of the 住基ネット interface: the domain types the rest of the system sees, and the
 * wire formats (immediate replies and the batch record layout JUKI-SIM-BATCH-1, documented in
 * simulators/juki/README.md). The tables are kept here rather than imported from the simulator:
 * the simulator stands in for a system we do not own, and the contract tests catch any drift.
 */
import { z } from 'zod';

export type Sex = 'male' | 'female';
/** 異動事由 */
export type ChangeReason = '出生' | '転入' | '転居' | '転出' | '死亡' | '職権修正' | '氏名変更';
export const CHANGE_REASONS = ['出生', '転入', '転居', '転出', '死亡', '職権修正', '氏名変更'] as const satisfies readonly ChangeReason[];

/** 本人確認情報: the 4 items, 住民票コード and the last change. Never carries the My Number. */
export interface IdentityInfo {
  residentCode: string;
  nameKanji: string;
  nameKana: string;
  birthDate: string;
  sex: Sex;
  postalCode: string;
  address: string;
  lastChange: { date: string; reason: ChangeReason };
  dead: boolean;
}

/** 4情報: 氏名・住所・生年月日・性別 */
export interface FourItems {
  nameKanji: string;
  address: string;
  birthDate: string;
  sex: Sex;
}

export type FourItemsResult =
  | { status: 'found'; myNumber: string; identity: IdentityInfo }
  | { status: 'not_found' }
  | { status: 'multiple'; matchCount: number };

/** One line of a batch: by My Number, or by the 4 items. Results refer to it by seq (position + 1). */
export type BatchRequest = { myNumber: string } | { fourItems: FourItems };

export interface BatchResult {
  seq: number;
  kind: 'by_my_number' | 'by_four_items';
  outcome: 'found' | 'not_found' | 'multiple' | 'invalid';
  matchCount: number;
  /** Only for by_four_items with one match. */
  myNumber: string | null;
  identity: IdentityInfo | null;
}

export type BatchCollection =
  | { status: 'pending'; batchId: string; readyAt: string; recordCount: number }
  | { status: 'done'; batchId: string; recordCount: number; results: BatchResult[] };

export const LAYOUT_VERSION = 'JUKI-SIM-BATCH-1';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const identitySchema = z.object({
  residentCode: z.string().regex(/^\d{11}$/),
  nameKanji: z.string(),
  nameKana: z.string(),
  birthDate: day,
  sex: z.enum(['male', 'female']),
  postalCode: z.string(),
  address: z.string(),
  lastChange: z.object({ date: day, reason: z.enum(CHANGE_REASONS) }),
  dead: z.boolean(),
});

const CODE_TO_REASON: Record<string, ChangeReason> = {
  '01': '出生', '02': '転入', '03': '転居', '04': '転出', '05': '死亡', '06': '職権修正', '07': '氏名変更',
};
const RESULT: Record<string, BatchResult['outcome']> = { '00': 'found', '10': 'not_found', '11': 'multiple', '90': 'invalid' };

const nullable = z.string().nullable();
export const resultRecordSchema = z.object({
  seq: z.number().int(),
  kind: z.enum(['01', '02']),
  resultCode: z.enum(['00', '10', '11', '90']),
  matchCount: z.number().int(),
  myNumber: nullable,
  residentCode: nullable,
  nameKanji: nullable,
  nameKana: nullable,
  birthDate: nullable,
  sexCode: z.enum(['1', '2']).nullable(),
  postalCode: nullable,
  address: nullable,
  changeDate: nullable,
  changeReasonCode: z.enum(['01', '02', '03', '04', '05', '06', '07']).nullable(),
  statusCode: z.enum(['0', '1']).nullable(),
});
type ResultRecord = z.infer<typeof resultRecordSchema>;

const RESULT_CODES = new Set(['00', '10', '11', '90']);
const REASON_CODES = new Set(['01', '02', '03', '04', '05', '06', '07']);
const NULLABLE_TEXT = ['myNumber', 'residentCode', 'nameKanji', 'nameKana', 'birthDate', 'postalCode', 'address', 'changeDate'] as const;
const str = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v); // zod's int() is a safe integer

/**
 * The same test as `resultRecordSchema.safeParse(r).success`, written out: a batch file holds up to
 * 100,000 records and zod's per-field machinery cost more than the rest of the collection. Kept
 * equal to the schema by tests/unit/juki-layout.test.ts (every field mutated, both must agree).
 */
export function isResultRecord(r: unknown): r is ResultRecord {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  if (!isInt(o.seq) || !isInt(o.matchCount) || (o.kind !== '01' && o.kind !== '02') || !str(o.resultCode) || !RESULT_CODES.has(o.resultCode)) return false;
  for (const k of NULLABLE_TEXT) if (o[k] !== null && !str(o[k])) return false;
  if (o.sexCode !== null && o.sexCode !== '1' && o.sexCode !== '2') return false;
  if (o.statusCode !== null && o.statusCode !== '0' && o.statusCode !== '1') return false;
  return o.changeReasonCode === null || (str(o.changeReasonCode) && REASON_CODES.has(o.changeReasonCode));
}

/** An array of result records, checked by isResultRecord (one zod check for the whole file). */
export const resultRecordsSchema = z.custom<ResultRecord[]>((v) => Array.isArray(v) && v.every(isResultRecord), 'not a list of result records');

export function toBatchResult(r: ResultRecord): BatchResult {
  const outcome = RESULT[r.resultCode] ?? 'invalid';
  const complete =
    outcome === 'found' && r.residentCode && r.nameKanji && r.nameKana && r.birthDate && r.sexCode &&
    r.postalCode && r.address && r.changeDate && r.changeReasonCode && r.statusCode;
  const identity: IdentityInfo | null = complete
    ? {
        residentCode: r.residentCode as string, nameKanji: r.nameKanji as string, nameKana: r.nameKana as string,
        birthDate: r.birthDate as string, sex: r.sexCode === '1' ? 'male' : 'female', postalCode: r.postalCode as string,
        address: r.address as string, lastChange: { date: r.changeDate as string, reason: CODE_TO_REASON[r.changeReasonCode as string] as ChangeReason },
        dead: r.statusCode === '1',
      }
    : null;
  return {
    seq: r.seq,
    kind: r.kind === '01' ? 'by_my_number' : 'by_four_items',
    outcome: outcome === 'found' && !identity ? 'invalid' : outcome,
    matchCount: r.matchCount,
    myNumber: r.kind === '02' && identity ? r.myNumber : null,
    identity,
  };
}

// Written out rather than spread from a blank record: a spread plus new keys takes V8's slow path
// (about 10 µs a record instead of 0.1), and a batch file has up to 100,000 of them.
export function toRequestRecord(r: BatchRequest, index: number) {
  const seq = index + 1;
  if ('myNumber' in r) return { seq, myNumber: r.myNumber, nameKanji: null, birthDate: null, sexCode: null, address: null, kind: '01' as const };
  const f = r.fourItems;
  return { seq, myNumber: null, nameKanji: f.nameKanji, birthDate: f.birthDate, sexCode: f.sex === 'male' ? '1' as const : '2' as const, address: f.address,
    kind: '02' as const };
}
