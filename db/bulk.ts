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

async function run<T>(db: Sequelize, type: 'read' | 'write', sql: string, values: unknown[]): Promise<T> {
  const pool = db.connectionManager as unknown as Pool;
  const conn = await pool.getConnection({ type });
  try {
    return await new Promise<T>((resolve, reject) => conn.query(sql, values, (err, result) => (err ? reject(err) : resolve(result as T))));
  } finally {
    await pool.releaseConnection(conn);
  }
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

/** `sql` has one `IN (?)` for the keys and may have other `?` before it (`args`); chunked by `chunk` keys. */
export async function selectIn<T>(db: Sequelize, sql: string, keys: string[], args: unknown[] = [], chunk = 5000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += chunk) {
    const rows = await run<T[]>(db, 'read', sql, [...args, keys.slice(i, i + chunk)]);
    for (const r of rows) out.push(r);
  }
  return out;
}
