/**
 * The audit log (R6.7): append-only at the database level (the accounts have INSERT, no UPDATE
 * or DELETE) and hash-chained, so an altered, removed or reordered entry breaks the chain.
 *
 * Writers and the chain are apart (migration 0009). `append` is a plain INSERT inside the
 * writer's transaction — atomic with the change it records, and never waiting on another
 * writer. `seal` — run every second by the worker, and before every verification or checkpoint —
 * takes the committed entries it has not sealed yet and appends them to `audit_chain`, each hash
 * covering the previous one and the entry's fields. Sealers serialise on the `audit_head` row, but
 * only for their own short transaction.
 *
 * Auto-increment numbers are handed out at INSERT and become visible at COMMIT, so a number may
 * be missing for a while (a transaction still open) or for ever (it rolled back). The sealer seals
 * whatever is committed, in number order, and moves `sealed_through` (every number up to it is
 * sealed or declared a gap) past a missing number only after the grace period; an entry that
 * commits after its number was declared a gap is still sealed, flagged `late`. An entry is
 * exposed between its commit and the next seal (about a second): the chain cannot vouch for it
 * before then.
 */
import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { scrubMyNumbers } from '../common/mynumber';
import { sqlTime } from './connection';
import { query } from './query';

export interface AuditEntry {
  actor: string;
  action: string;
  purpose: string;
  targetType?: string;
  targetId?: string;
  outcome: 'ok' | 'denied' | 'error';
  detail?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(prevHash: string, seq: number, at: string, e: AuditEntry, detailJson: string | null): string {
  const body = JSON.stringify([seq, at, e.actor, e.action, e.purpose, e.targetType ?? null, e.targetId ?? null,
    e.outcome, detailJson]);
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface VerifyOptions {
  /** Start from a trusted point (a signed checkpoint): the chain at position `seq` must have `hash`. */
  from?: { seq: number; hash: string };
  /** Chain positions whose stored hash the result should report (checkpoint comparison). */
  collect?: ReadonlySet<number>;
}

export interface VerifyResult {
  ok: boolean;
  /** Chain length walked: sealed entries (positions 1 … entries). */
  entries: number;
  root: string;
  /** Position in the chain of the first entry that cannot be trusted. */
  firstBadPos?: number;
  /** Its audit_log number, where the chain still names one. */
  firstBadSeq?: number;
  /** Why: the chain does not follow, it ends before the head, or an entry sits behind the sealer unsealed. */
  problem?: 'chain_broken' | 'head_mismatch' | 'unsealed';
  /** The stored hash at each collected position that the walk reached. */
  hashesAt?: Map<number, string>;
  /** Entries sealed after their number had been declared a gap (full walks only). */
  late?: number;
}

export interface SealOptions {
  /** How long a missing number may stay missing before the sealer steps over it (ms). */
  graceMs?: number;
}

export interface SealResult {
  sealed: number;
  late: number;
  gaps: number[];
  pos: number;
  hash: string;
  sealedThrough: number;
}

type EntryRow = { seq: number; at: Date; actor: string; action: string; purpose: string; target_type: string | null;
  target_id: string | null; outcome: string; detail: string | null };

const ENTRY_COLS = 'a.seq, a.at, a.actor, a.action, a.purpose, a.target_type, a.target_id, a.outcome, a.detail';
/** A number missing this long is taken for a rolled-back append (AUDIT_SEAL_GRACE_S). */
export const DEFAULT_SEAL_GRACE_MS = 30_000;
const SEAL_BATCH = 2000;
const WATERMARK_BATCH = 5000;
/** Declared gaps further back than this are no longer watched for late entries by the sealer (full verify still sees them). */
const LATE_WINDOW = 1_000_000;

const asEntry = (r: EntryRow): AuditEntry => ({ actor: String(r.actor), action: String(r.action), purpose: String(r.purpose),
  targetType: r.target_type ?? undefined, targetId: r.target_id ?? undefined, outcome: r.outcome as AuditEntry['outcome'] });

const hashOf = (prev: string, r: EntryRow): string => entryHash(prev, Number(r.seq), r.at.toISOString(), asEntry(r), r.detail ?? null);

export class AuditLog {
  /**
   * @param schema the application schema, so the vault's connection can write here too
   * @param now the clock of new entries (tests script entries at given times)
   * @param sealGraceMs how long this process's sealer waits for a missing number before stepping over it
   */
  constructor(private readonly sequelize: Sequelize, private readonly schema: string,
    private readonly now: () => Date = () => new Date(), private readonly sealGraceMs = DEFAULT_SEAL_GRACE_MS) {}

  /** When each missing number was first seen missing by this process's sealer. */
  private readonly missingSince = new Map<number, number>();

  async append(entry: AuditEntry, outer?: Transaction): Promise<{ seq: number }> {
    const detailJson = entry.detail ? JSON.stringify(entry.detail) : null;
    if (detailJson !== null && scrubMyNumbers(detailJson) !== detailJson) {
      throw new Error('audit detail must not carry a My Number');
    }
    const [seq] = await query(this.sequelize,
      `INSERT INTO ${this.schema}.audit_log (at, actor, action, purpose, target_type, target_id, outcome, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [sqlTime(this.now()), entry.actor, entry.action, entry.purpose, entry.targetType ?? null,
        entry.targetId ?? null, entry.outcome, detailJson], type: QueryTypes.INSERT, transaction: outer },
    );
    return { seq: Number(seq) };
  }

  /**
   * Seals every committed entry not yet in the chain, in batches, each batch one short
   * transaction holding the head row. Safe to run from several processes at once.
   */
  async seal(opts: SealOptions = {}): Promise<SealResult> {
    const graceMs = opts.graceMs ?? this.sealGraceMs;
    const total: SealResult = { sealed: 0, late: 0, gaps: [], pos: 0, hash: GENESIS_HASH, sealedThrough: 0 };
    let cursor = 0; // within one call, each batch goes on from the last entry the previous one sealed
    for (;;) {
      const r = await this.sequelize.transaction((t) => this.sealBatch(t, graceMs, cursor));
      cursor = Math.max(cursor, r.lastFresh);
      total.sealed += r.sealed;
      total.late += r.late;
      total.gaps.push(...r.gaps);
      Object.assign(total, { pos: r.pos, hash: r.hash, sealedThrough: r.sealedThrough });
      if (!r.more) return total;
    }
  }

  private async sealBatch(t: Transaction, graceMs: number, cursor: number): Promise<SealResult & { more: boolean; lastFresh: number }> {
    const S = this.schema;
    const [head] = await this.sequelize.query<{ pos: number; hash: string; sealed_through: number }>(
      `SELECT pos, hash, sealed_through FROM ${S}.audit_head WHERE id = 1 FOR UPDATE`, { type: QueryTypes.SELECT, transaction: t });
    let pos = Number(head.pos);
    let prev = head.hash;
    const through = Number(head.sealed_through);
    // Entries whose number had been declared a gap and that have committed since: sealed first.
    const late = await this.sequelize.query<EntryRow>(
      `SELECT ${ENTRY_COLS} FROM ${S}.audit_gaps g JOIN ${S}.audit_log a ON a.seq = g.seq
         LEFT JOIN ${S}.audit_chain c ON c.entry_seq = g.seq
        WHERE g.seq > ? AND c.pos IS NULL ORDER BY g.seq LIMIT ${SEAL_BATCH}`,
      { replacements: [through - LATE_WINDOW], type: QueryTypes.SELECT, transaction: t });
    // Committed entries past the watermark not sealed yet (some past it may be: sealed ahead of a missing number).
    const fresh = await this.sequelize.query<EntryRow>(
      `SELECT ${ENTRY_COLS} FROM ${S}.audit_log a LEFT JOIN ${S}.audit_chain c ON c.entry_seq = a.seq
        WHERE a.seq > ? AND c.pos IS NULL ORDER BY a.seq LIMIT ${SEAL_BATCH}`,
      { replacements: [Math.max(through, cursor)], type: QueryTypes.SELECT, transaction: t });
    const now = Date.now();
    const rows: unknown[][] = [];
    const sealedAt = sqlTime(new Date(now));
    const add = (r: EntryRow, isLate: boolean) => {
      const hash = hashOf(prev, r);
      pos += 1;
      rows.push([pos, Number(r.seq), sealedAt, isLate ? 1 : 0, prev, hash]);
      prev = hash;
    };
    for (const r of late) add(r, true);
    for (const r of fresh) add(r, false);

    if (rows.length) {
      await this.sequelize.query(
        `INSERT INTO ${S}.audit_chain (pos, entry_seq, sealed_at, late, prev_hash, hash) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        { replacements: rows.flat(), transaction: t });
    }

    // The watermark moves over numbers that are sealed (this transaction sees its own rows) or
    // missing for longer than the grace period; an unsealed entry or a fresh gap stops it.
    const present = await this.sequelize.query<{ seq: number; sealed: number }>(
      `SELECT a.seq, c.pos IS NOT NULL AS sealed FROM ${S}.audit_log a LEFT JOIN ${S}.audit_chain c ON c.entry_seq = a.seq
        WHERE a.seq > ? ORDER BY a.seq LIMIT ${WATERMARK_BATCH}`,
      { replacements: [through], type: QueryTypes.SELECT, transaction: t });
    let sealedThrough = through;
    const gaps: number[] = [];
    for (const r of present) {
      const seq = Number(r.seq);
      if (!Number(r.sealed)) break; // a later batch seals it
      if (seq > sealedThrough + 1) {
        let old = true;
        for (let m = sealedThrough + 1; m < seq; m++) {
          const since = this.missingSince.get(m) ?? now;
          this.missingSince.set(m, since);
          if (now - since < graceMs) old = false;
        }
        if (!old) break;
        for (let m = sealedThrough + 1; m < seq; m++) gaps.push(m);
      }
      sealedThrough = seq;
    }
    for (const m of [...this.missingSince.keys()]) if (m <= sealedThrough) this.missingSince.delete(m);

    if (gaps.length) {
      await this.sequelize.query(`INSERT INTO ${S}.audit_gaps (seq, declared_at, chain_pos) VALUES ${gaps.map(() => '(?, ?, ?)').join(', ')}`,
        { replacements: gaps.flatMap((g) => [g, sealedAt, pos]), transaction: t });
    }
    if (rows.length || sealedThrough !== through) {
      await this.sequelize.query(`UPDATE ${S}.audit_head SET pos = ?, hash = ?, sealed_through = ? WHERE id = 1`,
        { replacements: [pos, prev, sealedThrough], transaction: t });
    }
    const more = late.length === SEAL_BATCH || fresh.length === SEAL_BATCH
      || (present.length === WATERMARK_BATCH && sealedThrough === Number(present[present.length - 1].seq));
    return { sealed: rows.length, late: late.length, gaps, pos, hash: prev, sealedThrough, more,
      lastFresh: fresh.length ? Number(fresh[fresh.length - 1].seq) : cursor };
  }

  /**
   * Walks the chain in position order and checks every link against the entry it names. The head
   * row is read first: positions sealed during the walk are verified too, and the walk must reach
   * the head as it was (a cut tail leaves a chain that verifies on its own; the head catches it —
   * unless the head was rewritten too, which the signed checkpoints catch). A full walk (no `from`)
   * also looks for entries at or below the sealed watermark that are neither in the chain nor on a
   * declared gap's number (those the sealer seals next, flagged late): an entry written behind the
   * sealer's back.
   */
  async verify(opts: VerifyOptions = {}): Promise<VerifyResult> {
    const S = this.schema;
    const [head] = await this.sequelize.query<{ pos: number; hash: string; sealed_through: number }>(
      `SELECT pos, hash, sealed_through FROM ${S}.audit_head WHERE id = 1`, { type: QueryTypes.SELECT });
    const headPos = Number(head.pos);
    let prev = GENESIS_HASH;
    let expected = 1;
    let entries = 0;
    let hashAtHead = headPos === 0 ? GENESIS_HASH : undefined;
    const hashesAt = new Map<number, string>();
    const bad = (pos: number, seq: number | undefined, problem: VerifyResult['problem']): VerifyResult =>
      ({ ok: false, entries, root: prev, firstBadPos: pos, firstBadSeq: seq, problem, hashesAt });
    if (opts.from && opts.from.seq > 0) {
      const [row] = await this.sequelize.query<{ hash: string; entry_seq: number }>(
        `SELECT hash, entry_seq FROM ${S}.audit_chain WHERE pos = ?`, { replacements: [opts.from.seq], type: QueryTypes.SELECT });
      if (row?.hash !== opts.from.hash) {
        return { ok: false, entries: 0, root: GENESIS_HASH, firstBadPos: opts.from.seq, firstBadSeq: row ? Number(row.entry_seq) : undefined,
          problem: 'chain_broken', hashesAt };
      }
      prev = opts.from.hash;
      expected = opts.from.seq + 1;
      entries = opts.from.seq;
      if (headPos === opts.from.seq) hashAtHead = prev;
    }
    const page = 5000;
    for (;;) {
      const rows = await this.sequelize.query<EntryRow & { pos: number; entry_seq: number; prev_hash: string; hash: string; present: number }>(
        `SELECT c.pos, c.entry_seq, c.prev_hash, c.hash, a.seq IS NOT NULL AS present, ${ENTRY_COLS}
           FROM ${S}.audit_chain c LEFT JOIN ${S}.audit_log a ON a.seq = c.entry_seq
          WHERE c.pos >= ? ORDER BY c.pos LIMIT ${page}`,
        { replacements: [expected], type: QueryTypes.SELECT },
      );
      for (const r of rows) {
        const pos = Number(r.pos);
        const entrySeq = Number(r.entry_seq);
        if (pos !== expected) return bad(expected, undefined, 'chain_broken');
        if (!Number(r.present) || r.prev_hash !== prev || hashOf(prev, { ...r, seq: entrySeq }) !== r.hash) {
          return bad(pos, entrySeq, 'chain_broken');
        }
        prev = String(r.hash);
        if (opts.collect?.has(pos)) hashesAt.set(pos, prev);
        if (pos === headPos) hashAtHead = prev;
        expected++;
        entries++;
      }
      if (rows.length < page) break;
    }
    if (entries < headPos || hashAtHead !== head.hash) {
      return bad(Math.min(entries, headPos) + 1, undefined, 'head_mismatch');
    }
    if (opts.from) return { ok: true, entries, root: prev, hashesAt };
    const [stray] = await this.sequelize.query<{ seq: number }>(
      `SELECT a.seq FROM ${S}.audit_log a LEFT JOIN ${S}.audit_chain c ON c.entry_seq = a.seq
         LEFT JOIN ${S}.audit_gaps g ON g.seq = a.seq
        WHERE a.seq <= ? AND c.pos IS NULL AND g.seq IS NULL ORDER BY a.seq LIMIT 1`,
      { replacements: [Number(head.sealed_through)], type: QueryTypes.SELECT });
    if (stray) return bad(entries + 1, Number(stray.seq), 'unsealed');
    const [{ n }] = await this.sequelize.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${S}.audit_chain WHERE late = 1`,
      { type: QueryTypes.SELECT });
    return { ok: true, entries, root: prev, hashesAt, late: Number(n) };
  }

  /** The audit_log number sealed at a chain position, or null past the chain's end. */
  async entrySeqAt(pos: number): Promise<number | null> {
    const [row] = await this.sequelize.query<{ entry_seq: number }>(`SELECT entry_seq FROM ${this.schema}.audit_chain WHERE pos = ?`,
      { replacements: [pos], type: QueryTypes.SELECT });
    return row ? Number(row.entry_seq) : null;
  }
}
