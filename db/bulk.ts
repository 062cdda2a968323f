/**
 * Bulk statements (multi-row INSERT … VALUES ?, SELECT … IN (?)) on a pooled connection, without
 * Sequelize's query layer: for a statement of thousands of rows its replacement parser and its
 * query-kind checks (which lower-case the whole SQL text) cost more than the database does.
 * Values are escaped by mysql2 (`VALUES ?` takes an array of row arrays). Not for use inside a
 * Sequelize transaction: the statement runs on a connection of its own.
 */
import type { Sequelize } from 'sequelize';

interface RawConnection {
  query(sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void): void;
}
interface Pool {
  getConnection(opts: { type: 'read' | 'write' }): Promise<RawConnection>;
  releaseConnection(c: RawConnection): Promise<void> | void;
}

type Query = (sql: string, values?: unknown[]) => Promise<unknown>;

/** `fn` with a query function on one pooled connection, released afterwards. */
async function withConnection<T>(db: Sequelize, type: 'read' | 'write', fn: (q: Query) => Promise<T>): Promise<T> {
  const pool = db.connectionManager as unknown as Pool;
  const conn = await pool.getConnection({ type });
  const q: Query = (sql, values = []) =>
    new Promise<unknown>((resolve, reject) => conn.query(sql, values, (err, result) => (err ? reject(err) : resolve(result))));
  try {
    return await fn(q);
  } finally {
    await pool.releaseConnection(conn);
  }
}

const run = <T>(db: Sequelize, type: 'read' | 'write', sql: string, values: unknown[]): Promise<T> =>
  withConnection(db, type, (q) => q(sql, values) as Promise<T>);

/**
 * Several statements as one transaction on one pooled connection (all or none; one commit, so one
 * redo log flush instead of one per statement). Returns each statement's result.
 */
export function runTransaction(db: Sequelize, statements: { sql: string; values: unknown[] }[]): Promise<unknown[]> {
  return withConnection(db, 'write', async (q) => {
    await q('START TRANSACTION');
    const out: unknown[] = [];
    try {
      for (const s of statements) out.push(await q(s.sql, s.values));
      await q('COMMIT');
    } catch (err) {
      await q('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return out;
  });
}

/** One statement with `?` placeholders on a pooled connection (values escaped by mysql2). */
export function runStatement<T = { affectedRows: number }>(db: Sequelize, sql: string, values: unknown[], type: 'read' | 'write' = 'write'): Promise<T> {
  return run<T>(db, type, sql, values);
}

/** `sql` ends in `VALUES ?`; rows are inserted in chunks of `chunk`. Returns the affected rows. */
export async function insertRows(db: Sequelize, sql: string, rows: unknown[][], chunk = 5000): Promise<number> {
  let affected = 0;
  for (let i = 0; i < rows.length; i += chunk) {
    const r = await run<{ affectedRows: number }>(db, 'write', sql, [rows.slice(i, i + chunk)]);
    affected += r.affectedRows;
  }
  return affected;
}

/**
 * The keys of selectByKeys as a derived table `k` with one column `k.id` (utf8mb4_bin, as every
 * table here), to be joined: `SELECT t.a FROM ${KEYS} JOIN t ON t.id = k.id`.
 */
export const KEYS = "JSON_TABLE(?, '$[*]' COLUMNS (id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) AS k";

/**
 * Rows for many keys: the keys go as one JSON array that the statement joins (`KEYS`), each an
 * eq_ref lookup on the table's key. For 10,000 keys MariaDB spends half the CPU of `IN (…)` with
 * 10,000 literals (parsing them and building the IN list's lookup table). Duplicate keys are
 * dropped first, so a key matches once, as with IN. `args` are the `?` before KEYS's.
 */
export async function selectByKeys<T>(db: Sequelize, sql: string, keys: string[], args: unknown[] = [], chunk = 10_000): Promise<T[]> {
  const unique = [...new Set(keys)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += chunk) {
    const rows = await run<T[]>(db, 'read', sql, [...args, JSON.stringify(unique.slice(i, i + chunk))]);
    for (const r of rows) out.push(r);
  }
  return out;
}

/** `sql` has one `IN (?)` for the keys and may have other `?` before it (`args`); chunked by `chunk` keys. */
export async function selectIn<T>(db: Sequelize, sql: string, keys: string[], args: unknown[] = [], chunk = 5000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += chunk) {
    const rows = await run<T[]>(db, 'read', sql, [...args, keys.slice(i, i + chunk)]);
    for (const r of rows) out.push(r);
  }
  return out;
}
