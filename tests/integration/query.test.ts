/**
 * db/query.ts against Sequelize's own `db.query` on the real database: the same statement gives the
 * same rows and the same result shapes, in and out of a transaction, and an error keeps the
 * statement without its values.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import { createSequelize } from '../../db/connection';
import { query, transaction } from '../../db/query';
import { config } from '../helpers/env';

let db: Sequelize;
beforeAll(() => {
  db = createSequelize(config.DATABASE_URL, 2);
});
afterAll(() => db.close());

describe('query()', () => {
  it('reads the same rows as Sequelize, value types included', async () => {
    const sql = `SELECT CAST('2026-11-27 01:02:03.456' AS DATETIME(3)) AS at, CAST('2026-11-27' AS DATE) AS day,
      CAST(12.50 AS DECIMAL(6,2)) AS amount, 9007199254740993 AS big, 7 AS n, NULL AS nothing, 'あ𠮷' AS text,
      JSON_OBJECT('a', 1) AS json, ? AS quoted, ? AS backslash, ? AS stamp, ? AS missing, ? AS num, ? AS bytes`;
    const replacements = ["O'Brien \"x\"", 'a\\b%_', new Date('2026-11-27T01:02:03.456Z'), null, 2300, Buffer.from([0, 1, 255])];
    const theirs = await db.query<Record<string, unknown>>(sql, { replacements, type: QueryTypes.SELECT });
    const ours = await query(db, sql, { replacements, type: QueryTypes.SELECT });
    // One difference: a Date value keeps its milliseconds here (Sequelize's escaping drops them).
    expect(ours.map(({ stamp: _a, ...rest }) => rest)).toEqual(theirs.map(({ stamp: _b, ...rest }) => rest));
    expect(theirs[0].stamp).toBe('2026-11-27 01:02:03');
    expect(ours[0]).toMatchObject({ stamp: '2026-11-27 01:02:03.456', quoted: "O'Brien \"x\"", backslash: 'a\\b%_', missing: null, text: 'あ𠮷' });
  });

  it('answers an INSERT with [insertId, affectedRows], an UPDATE with [undefined, affectedRows], as Sequelize does', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const insert = 'INSERT IGNORE INTO license_number_seq (case_id) VALUES (?)';
    const theirs = await db.query(insert, { replacements: [a], type: QueryTypes.INSERT });
    const ours = await query(db, insert, { replacements: [b], type: QueryTypes.INSERT });
    expect(ours[0]).toBeGreaterThan(Number(theirs[0]));
    expect(ours[1]).toBe(1);
    expect(await query(db, insert, { replacements: [b], type: QueryTypes.INSERT })).toEqual(
      await db.query(insert, { replacements: [a], type: QueryTypes.INSERT }));
    await query(db, insert, { replacements: [c], type: QueryTypes.INSERT });

    const docId = randomUUID();
    await query(db, `INSERT INTO documents (document_id, kind, content_type, sha256, size_bytes, storage_key, created_at)
      VALUES (?, 'license_pdf', 'application/pdf', ?, 1, ?, ?)`, { replacements: [docId, 'ab'.repeat(32), `x/${docId}`, '2026-11-27 00:00:00.000'] });
    const update = "UPDATE documents SET print_status = 'queued' WHERE document_id = ? AND print_status IS NULL";
    expect(await query(db, update, { replacements: [docId], type: QueryTypes.UPDATE })).toEqual([undefined, 1]);
    expect(await db.query(update, { replacements: [docId], type: QueryTypes.UPDATE })).toEqual([undefined, 0]);
    const [header, same] = await query(db, "UPDATE documents SET print_status = 'printed' WHERE document_id = ?", { replacements: [docId] });
    expect(header.affectedRows).toBe(1);
    expect(same).toBe(header);
  });

  it('runs on the transaction it is given: seen inside, gone after a rollback', async () => {
    const id = randomUUID();
    const select = 'SELECT case_id FROM license_number_seq WHERE case_id = ?';
    await expect(db.transaction(async (t) => {
      await query(db, 'INSERT INTO license_number_seq (case_id) VALUES (?)', { replacements: [id], transaction: t });
      expect(await query(db, select, { replacements: [id], type: QueryTypes.SELECT, transaction: t })).toEqual([{ case_id: id }]);
      expect(await db.query(select, { replacements: [id], type: QueryTypes.SELECT, transaction: t })).toEqual([{ case_id: id }]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await query(db, select, { replacements: [id], type: QueryTypes.SELECT })).toEqual([]);
  });

  it('fails with the statement, never its values, and leaves the pool usable', async () => {
    const id = randomUUID();
    await query(db, 'INSERT INTO license_number_seq (case_id) VALUES (?)', { replacements: [id] });
    const err = await query(db, 'INSERT INTO license_number_seq (case_id) VALUES (?)', { replacements: [id] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('ER_DUP_ENTRY');
    expect((err as { sql?: string }).sql).toBe('INSERT INTO license_number_seq (case_id) VALUES (?)');
    for (let i = 0; i < 5; i++) await query(db, 'SELECT 1 AS one', { type: QueryTypes.SELECT }); // more than the pool's 2
  });

  describe('transaction()', () => {
    const select = 'SELECT case_id FROM license_number_seq WHERE case_id = ?';
    const insert = 'INSERT INTO license_number_seq (case_id) VALUES (?)';

    it('commits what its function wrote, and answers what it returned', async () => {
      const id = randomUUID();
      const out = await transaction(db, async (t) => {
        await query(db, insert, { replacements: [id], transaction: t });
        // Seen inside; not yet outside (another connection of the pool).
        expect(await query(db, select, { replacements: [id], type: QueryTypes.SELECT, transaction: t })).toHaveLength(1);
        expect(await query(db, select, { replacements: [id], type: QueryTypes.SELECT })).toHaveLength(0);
        return 'done';
      });
      expect(out).toBe('done');
      expect(await query(db, select, { replacements: [id], type: QueryTypes.SELECT })).toEqual([{ case_id: id }]);
    });

    it("rolls back when its function throws, Sequelize's own errors included, and keeps the pool whole", async () => {
      const id = randomUUID();
      await query(db, insert, { replacements: [id] });
      const other = randomUUID();
      for (let i = 0; i < 3; i++) { // more rounds than the pool's 2 connections
        const err = await transaction(db, async (t) => {
          await query(db, insert, { replacements: [other], transaction: t });
          await db.query(insert, { replacements: [id], transaction: t }); // Sequelize on the same handle: a duplicate
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UniqueConstraintError);
      }
      expect(await query(db, select, { replacements: [other], type: QueryTypes.SELECT })).toEqual([]);
      await transaction(db, (t) => query(db, insert, { replacements: [other], transaction: t }));
      expect(await query(db, select, { replacements: [other], type: QueryTypes.SELECT })).toEqual([{ case_id: other }]);
    });
  });
});
