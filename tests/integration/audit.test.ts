/**
 * The audit log: writers append without waiting on each other, the sealer chains what has
 * committed (db/audit.ts, migration 0009), and verification finds any change made behind its back.
 */
import { QueryTypes } from 'sequelize';
import { AuditLog } from '../../db/audit';
import { appDb, appSchema, rootConnection } from '../helpers/env';

const entry = (actor = 'reviewer1') => ({ actor, action: 'registrant.read', purpose: 'review', outcome: 'ok' as const });

describe('audit log hash chain', () => {
  const db = appDb();
  // Tests seal with no grace: a number missing now is taken for a rolled-back append at once.
  const audit = new AuditLog(db, appSchema, undefined, 0);
  const patient = new AuditLog(db, appSchema, undefined, 60_000);
  afterAll(() => db.close());

  const head = async () => (await db.query<{ pos: number; hash: string; sealed_through: number }>(
    `SELECT pos, hash, sealed_through FROM ${appSchema}.audit_head`, { type: QueryTypes.SELECT }))[0];
  /** Appends inside a transaction that then rolls back; the number it had taken. */
  const rolledBackAppend = () => db.transaction(async (t) => {
    const { seq } = await audit.append(entry('undone'), t);
    throw Object.assign(new Error('rollback'), { seq });
  }).catch((err: { seq: number }) => err.seq);
  const chainRow = async (seq: number) => (await db.query<{ pos: number; late: number }>(
    `SELECT pos, late FROM ${appSchema}.audit_chain WHERE entry_seq = ?`, { replacements: [seq], type: QueryTypes.SELECT }))[0];

  it('when entries are appended concurrently and sealed, then each has its own number and the chain verifies', async () => {
    const appended = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      audit.append({ ...entry(`staff${i % 3}`), targetType: 'case', targetId: `c${i}` })));
    expect(new Set(appended.map((a) => a.seq)).size).toBe(20);
    const sealed = await audit.seal();
    expect(sealed.sealed).toBeGreaterThanOrEqual(20);
    for (const a of appended) expect(await chainRow(a.seq)).toBeDefined();
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: true, entries: Number((await head()).pos), root: (await head()).hash });
  });

  it('when a detail carries a My Number, then the append is refused', async () => {
    await expect(audit.append({ ...entry('x'), detail: { n: '123456789018' } })).rejects.toThrow(/must not carry/);
  });

  it('when a transaction holding an entry stays open, then other appends do not wait and the sealer seals past it later', async () => {
    await audit.seal(); // numbers earlier tests left missing are stepped over first
    const t = await db.transaction();
    try {
      const open = await audit.append(entry('slow-writer'), t);
      // Before the sealer existed this append waited on the head row until `t` committed.
      const after = await audit.append(entry('quick-writer'));
      const s1 = await patient.seal();
      expect(await chainRow(after.seq)).toBeDefined(); // sealed although a smaller number is still open
      expect(s1.sealedThrough).toBe(open.seq - 1); // the watermark waits for it
      await t.commit();
      const s2 = await patient.seal();
      expect(await chainRow(open.seq)).toMatchObject({ late: 0 });
      expect(s2.sealedThrough).toBeGreaterThanOrEqual(after.seq);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      if (!(t as unknown as { finished?: string }).finished) await t.rollback();
    }
  });

  it('when an append is rolled back, then its number is recorded as a gap; one that commits after that is sealed late', async () => {
    const rolledBack = await rolledBackAppend();
    await audit.append(entry());
    await audit.seal();
    const gap = await db.query(`SELECT seq FROM ${appSchema}.audit_gaps WHERE seq = ?`, { replacements: [rolledBack], type: QueryTypes.SELECT });
    expect(gap).toHaveLength(1);
    expect(await chainRow(rolledBack)).toBeUndefined();

    const t = await db.transaction();
    const { seq: tardy } = await audit.append(entry('tardy'), t);
    await audit.append(entry());
    await audit.seal(); // no grace: `tardy` is taken for rolled back
    expect(Number((await head()).sealed_through)).toBeGreaterThan(tardy);
    await t.commit();
    const s = await audit.seal();
    expect(s.late).toBe(1);
    expect(await chainRow(tardy)).toMatchObject({ late: 1 });
    const v = await audit.verify();
    expect(v.ok).toBe(true);
    expect(v.late).toBeGreaterThanOrEqual(1);
  });

  it('when writers commit, roll back and linger while sealers run, then every committed entry ends up sealed exactly once', async () => {
    await audit.seal();
    const committed: number[] = [];
    const writer = async (i: number) => {
      const t = await db.transaction();
      const { seq } = await audit.append({ ...entry(`w${i % 5}`), targetId: `stress-${i}` }, t);
      await new Promise((r) => setTimeout(r, (i * 7) % 40)); // transactions of different lengths
      if (i % 6 === 0) {
        await t.rollback();
      } else {
        await t.commit();
        committed.push(seq);
      }
    };
    let writing = true;
    const sealers = [audit, patient, audit].map(async (s) => {
      while (writing) await s.seal();
    });
    await Promise.all(Array.from({ length: 120 }, (_, i) => writer(i)));
    writing = false;
    await Promise.all(sealers);
    await audit.seal();
    await audit.seal(); // a late entry found by the first is sealed by it; the second finds nothing
    const rows = await db.query<{ entry_seq: number }>(
      `SELECT entry_seq FROM ${appSchema}.audit_chain WHERE entry_seq IN (?)`, { replacements: [committed], type: QueryTypes.SELECT });
    expect(rows.map((r) => Number(r.entry_seq)).sort((x, y) => x - y)).toEqual([...committed].sort((x, y) => x - y));
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('when an entry is altered, removed or its chain cut by someone with root access, then verify names it', async () => {
    const { seq } = await audit.append(entry());
    await audit.append(entry());
    await audit.seal();
    expect((await audit.verify()).ok).toBe(true);
    const root = await rootConnection();
    try {
      await root.query(`UPDATE ${appSchema}.audit_log SET actor = 'someone-else' WHERE seq = ?`, [seq]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: seq, firstBadPos: (await chainRow(seq)).pos, problem: 'chain_broken' });
      await root.query(`UPDATE ${appSchema}.audit_log SET actor = 'reviewer1' WHERE seq = ?`, [seq]);
      expect((await audit.verify()).ok).toBe(true);

      // the entry removed: its chain row points at nothing
      const [[row]] = (await root.query(`SELECT * FROM ${appSchema}.audit_log WHERE seq = ?`, [seq])) as unknown as [[Record<string, unknown>]];
      await root.query(`DELETE FROM ${appSchema}.audit_log WHERE seq = ?`, [seq]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: seq, problem: 'chain_broken' });
      await root.query(`INSERT INTO ${appSchema}.audit_log SET ?`, [row]);
      expect((await audit.verify()).ok).toBe(true);

      // the chain's last position cut: the chain alone still verifies, the head catches it
      const h = await head();
      const [[last]] = (await root.query(`SELECT * FROM ${appSchema}.audit_chain WHERE pos = ?`, [h.pos])) as unknown as [[Record<string, unknown>]];
      await root.query(`DELETE FROM ${appSchema}.audit_chain WHERE pos = ?`, [h.pos]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadPos: Number(h.pos), problem: 'head_mismatch' });
      await root.query(`INSERT INTO ${appSchema}.audit_chain SET ?`, [last]);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await root.end();
    }
  });

  it('when an entry is slipped in behind the sealer under a number it had stepped over, then verify reports it unsealed', async () => {
    const gap = await rolledBackAppend();
    await audit.append(entry());
    await audit.seal();
    const root = await rootConnection();
    try {
      const [[gapRow]] = (await root.query(`SELECT * FROM ${appSchema}.audit_gaps WHERE seq = ?`, [gap])) as unknown as [[Record<string, unknown>]];
      // someone hides the gap record and writes an entry under its number
      await root.query(`DELETE FROM ${appSchema}.audit_gaps WHERE seq = ?`, [gap]);
      await root.query(`INSERT INTO ${appSchema}.audit_log (seq, at, actor, action, purpose, outcome) VALUES (?, NOW(3), 'ghost', 'registrant.read', 'x', 'ok')`, [gap]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: gap, problem: 'unsealed' });
      await root.query(`DELETE FROM ${appSchema}.audit_log WHERE seq = ?`, [gap]);
      await root.query(`INSERT INTO ${appSchema}.audit_gaps SET ?`, [gapRow]);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await root.end();
    }
  });
});
