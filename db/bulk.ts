/**
 * Bulk statements (multi-row INSERT … VALUES ?, lookups by a JSON array of keys, several statements
 * in one transaction) on a pooled connection, without
 * Sequelize's query layer: for a statement of thousands of rows its replacement parser and its
 * query-kind checks (which lower-case the whole SQL text) cost more than the database does.
 * Values are escaped by mysql2 (`VALUES ?` takes an array of row arrays). Not for use inside a
 * Sequelize transaction: the statement runs on a connection of its own.
 */
import type { Sequelize } from 'sequelize';

interface RawConnection {
  query(sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void): void;
  query(options: { sql: string; values: unknown[]; rowsAsArray: boolean; typeCast: (field: unknown, next: () => unknown) => unknown }, cb: (err: Error | null, result: unknown) => void): void;
}
interface Pool {
  getConnection(opts: { type: 'read' | 'write' }): Promise<RawConnection>;
  releaseConnection(c: RawConnection): Promise<void> | void;
}

type Query = (sql: string, values?: unknown[]) => Promise<unknown>;

/** `fn` with a query function (and the raw connection) on one pooled connection, released afterwards. */
async function withConnection<T>(db: Sequelize, type: 'read' | 'write', fn: (q: Query, conn: RawConnection) => Promise<T>): Promise<T> {
  const pool = db.connectionManager as unknown as Pool;
  const conn = await pool.getConnection({ type });
  const q: Query = (sql, values = []) =>
    new Promise<unknown>((resolve, reject) => conn.query(sql, values, (err, result) => (err ? reject(err) : resolve(result))));
  try {
    return await fn(q, conn);
  } finally {
    await pool.releaseConnection(conn);
  }
}

const run = <T>(db: Sequelize, type: 'read' | 'write', sql: string, values: unknown[]): Promise<T> =>
  withConnection(db, type, (q) => q(sql, values) as Promise<T>);

/** A row as an array of its columns, in the order of the SELECT list. */
export type ArrayRow = unknown[];

/** mysql2's own conversion of each column (text → string, binary → Buffer, integers → number). */
const plainTypeCast = (_field: unknown, next: () => unknown) => next();

/**
 * Rows as arrays, each column converted by mysql2 itself: Sequelize installs a typeCast function
 * on its connections (a per-field lookup of its own parsers, which our bulk lookups never need —
 * they select no dates or decimals) that cost more than the rest of decoding a 10,000-row page
 * lookup; a query's own typeCast replaces it, and no object per row is built.
 */
export function selectArrays(db: Sequelize, sql: string, values: unknown[]): Promise<ArrayRow[]> {
  return withConnection(db, 'read', (_q, conn) => new Promise<ArrayRow[]>((resolve, reject) =>
    conn.query({ sql, values, rowsAsArray: true, typeCast: plainTypeCast }, (err, result) => (err ? reject(err) : resolve(result as ArrayRow[])))));
}

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
 * A JSON document as a statement parameter: as a string, mysql2 escapes each of its thousands of
 * double quotes one at a time (sql-escaper's per-character loop, a few ms per 10,000-key array);
 * as bytes it is sent as one hex literal, encoded natively, which the statement turns back into
 * text with JSON_TEXT. A hex literal carries no quote or backslash, whatever the document holds.
 */
export const jsonParam = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
/** The SQL that reads a jsonParam: `JSON_TABLE(${JSON_TEXT}, …)`. */
export const JSON_TEXT = 'CONVERT(? USING utf8mb4)';

/**
 * The keys of forEachByKeys (a jsonParam) as a derived table `k` with their position `k.n` (1-based)
 * and the key `k.id` (utf8mb4_bin, as every table here), to be joined:
 * `SELECT k.n, t.a FROM ${NUMBERED_KEYS} JOIN t ON t.id = k.id`.
 */
export const NUMBERED_KEYS = `JSON_TABLE(${JSON_TEXT}, '$[*]' COLUMNS (n FOR ORDINALITY, id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) AS k`;

/**
 * Rows for many keys, without row objects: the keys go as one JSON array that `sql` joins
 * (NUMBERED_KEYS), each an eq_ref lookup on the table's key — for 10,000 keys MariaDB spends half
 * the CPU of `IN (…)` with 10,000 literals. `sql` selects `k.n` first; `fn` gets the key each row
 * matched (from our own array, so no key is decoded from the reply) and the row as an array (index
 * 0 is `k.n`). Duplicate keys are dropped first, so a key matches once.
 */
export async function forEachByKeys(db: Sequelize, sql: string, keys: string[], fn: (key: string, row: ArrayRow) => void, args: unknown[] = [],
  chunk = 10_000): Promise<void> {
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += chunk) {
    const rows = await selectArrays(db, sql, [...args, jsonParam(unique.slice(i, i + chunk))]);
    for (const r of rows) fn(unique[i + (r[0] as number) - 1]!, r);
  }
}

