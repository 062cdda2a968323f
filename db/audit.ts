/**
 * The audit log (R6.7): append-only at the database level (the accounts have INSERT, no UPDATE
 * or DELETE) and hash-chained: each entry's hash covers the previous hash and the entry's own
 * fields, so an altered, removed or reordered entry breaks the chain from that point on.
 * Appends are serialised by locking the single `audit_head` row.
 */
import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { scrubMyNumbers } from '../common/mynumber';
import { sqlTime } from './connection';

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
  /** Start from a trusted point (a signed checkpoint): the entry at `seq` must have `hash`. */
  from?: { seq: number; hash: string };
  /** Sequence numbers whose stored hash the result should report (checkpoint comparison). */
  collect?: ReadonlySet<number>;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  root: string;
  firstBadSeq?: number;
  /** The stored hash at each collected sequence number that the walk reached. */
  hashesAt?: Map<number, string>;
}

export class AuditLog {
  /**
   * @param schema the application schema, so the vault's connection can write here too
   * @param now the clock of new entries (tests script entries at given times)
   */
  constructor(private readonly sequelize: Sequelize, private readonly schema: string,
    private readonly now: () => Date = () => new Date()) {}

  async append(entry: AuditEntry, outer?: Transaction): Promise<{ seq: number; hash: string }> {
    const detailJson = entry.detail ? JSON.stringify(entry.detail) : null;
    if (detailJson !== null && scrubMyNumbers(detailJson) !== detailJson) {
      throw new Error('audit detail must not carry a My Number');
    }
    const run = async (t: Transaction) => {
      const [head] = await this.sequelize.query<{ seq: number; hash: string }>(
        `SELECT seq, hash FROM ${this.schema}.audit_head WHERE id = 1 FOR UPDATE`,
        { type: QueryTypes.SELECT, transaction: t },
      );
      const seq = Number(head.seq) + 1;
      const at = this.now().toISOString();
      const hash = entryHash(head.hash, seq, at, entry, detailJson);
      await this.sequelize.query(
        `INSERT INTO ${this.schema}.audit_log
          (seq, at, actor, action, purpose, target_type, target_id, outcome, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        { replacements: [seq, sqlTime(new Date(at)), entry.actor, entry.action, entry.purpose, entry.targetType ?? null,
          entry.targetId ?? null, entry.outcome, detailJson, head.hash, hash], transaction: t },
      );
      await this.sequelize.query(`UPDATE ${this.schema}.audit_head SET seq = ?, hash = ? WHERE id = 1`,
        { replacements: [seq, hash], transaction: t });
      return { seq, hash };
    };
    return outer ? run(outer) : this.sequelize.transaction(run);
  }

  /**
   * Walks the chain in order; reports the first entry that does not follow from its predecessor.
   * The head row is read first: entries appended during the walk are verified too, and the walk
   * must reach the head as it was (truncation of the tail leaves a chain that verifies on its own;
   * the head catches it — unless the head was rewritten too, which the signed checkpoints catch).
   */
  async verify(opts: VerifyOptions = {}): Promise<VerifyResult> {
    const [head] = await this.sequelize.query<{ seq: number; hash: string }>(
      `SELECT seq, hash FROM ${this.schema}.audit_head WHERE id = 1`, { type: QueryTypes.SELECT });
    const headSeq = Number(head.seq);
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let entries = 0;
    let hashAtHead = headSeq === 0 ? GENESIS_HASH : undefined;
    const hashesAt = new Map<number, string>();
    if (opts.from && opts.from.seq > 0) {
      const [row] = await this.sequelize.query<{ hash: string }>(
        `SELECT hash FROM ${this.schema}.audit_log WHERE seq = ?`, { replacements: [opts.from.seq], type: QueryTypes.SELECT });
      if (row?.hash !== opts.from.hash) return { ok: false, entries: 0, root: GENESIS_HASH, firstBadSeq: opts.from.seq, hashesAt };
      prev = opts.from.hash;
      expectedSeq = opts.from.seq + 1;
      entries = opts.from.seq;
      if (headSeq === opts.from.seq) hashAtHead = prev;
    }
    const page = 5000;
    for (;;) {
      const rows = await this.sequelize.query<Record<string, unknown>>(
        `SELECT seq, at, actor, action, purpose, target_type, target_id, outcome, detail, prev_hash, hash
           FROM ${this.schema}.audit_log WHERE seq >= ? ORDER BY seq LIMIT ${page}`,
        { replacements: [expectedSeq], type: QueryTypes.SELECT },
      );
      for (const r of rows) {
        const seq = Number(r.seq);
        const e: AuditEntry = { actor: String(r.actor), action: String(r.action), purpose: String(r.purpose),
          targetType: (r.target_type as string | null) ?? undefined, targetId: (r.target_id as string | null) ?? undefined,
          outcome: r.outcome as AuditEntry['outcome'] };
        const at = (r.at as Date).toISOString();
        if (seq !== expectedSeq || r.prev_hash !== prev || entryHash(prev, seq, at, e, (r.detail as string | null) ?? null) !== r.hash) {
          return { ok: false, entries, root: prev, firstBadSeq: expectedSeq, hashesAt };
        }
        prev = String(r.hash);
        if (opts.collect?.has(seq)) hashesAt.set(seq, prev);
        if (seq === headSeq) hashAtHead = prev;
        expectedSeq++;
        entries++;
      }
      if (rows.length < page) break;
    }
    if (entries < headSeq || hashAtHead !== head.hash) {
      return { ok: false, entries, root: prev, firstBadSeq: Math.min(entries, headSeq) + 1, hashesAt };
    }
    return { ok: true, entries, root: prev, hashesAt };
  }
}
