/**
 * `query(db, sql, options)`: the statement Sequelize's `db.query(sql, options)` would run, with the
 * same results, sent straight to the mysql2 connection Sequelize holds (the transaction's, or one
 * from its pool). Used on the paths every case takes.
 *
 * Why: Sequelize's query pipeline (option merging, its replacement parser, hooks, an Error made
 * for every statement to keep the caller's stack, result classification) costs ~60 µs of CPU per
 * statement on these machines — ~100 µs against ~40 µs for the same SELECT on the same pooled
 * connection — and a case runs ~90 statements. Everything else stays Sequelize's: the pool,
 * transactions, the connection options and its type casting, so a row reads the same either way.
 *
 * Options as for `db.query`, only those used here: `replacements` (positional `?`), `type`
 * (SELECT → rows; INSERT → [insertId, affectedRows]; UPDATE → [undefined, affectedRows]; none →
 * [header, header], as Sequelize gives a raw statement) and `transaction`. Values are escaped by
 * mysql2 (client side, as Sequelize does): statements must not carry a literal `?` in a string,
 * and a Date keeps its milliseconds (Sequelize drops them; the code here passes sqlTime() strings).
 * Errors are mysql2's, with the statement but never its values (they may be personal data).
 * tests/integration/query.test.ts holds the two paths to the same results.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

interface ResultHeader { affectedRows: number; insertId: number; changedRows?: number }
interface Mysql2Connection {
  query(sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void): unknown;
}
interface Pool {
  getConnection(options: { type: 'read' | 'write'; useMaster?: boolean }): Promise<Mysql2Connection>;
  releaseConnection(connection: Mysql2Connection): void;
}

/** One statement on a held connection; a failure keeps the statement but not its values. */
const send = (conn: Mysql2Connection, sql: string, values: unknown[] = []) => new Promise<unknown>((resolve, reject) => {
  conn.query(sql, values, (err, r) => (err ? reject(withoutValues(err, sql)) : resolve(r)));
});

/**
 * `fn` in a transaction on one pooled connection: START TRANSACTION, `fn`, COMMIT — or ROLLBACK
 * and the error rethrown, as Sequelize's managed `db.transaction(fn)` does, at a third of its CPU
 * (~85 µs against ~240 µs for a one-statement transaction; a case runs ~11). The handle `fn` gets
 * serves query() and Sequelize's own `db.query(…, { transaction })`, which read its `connection`
 * and `finished` (and call `rollback()` after a deadlock); nothing else of Sequelize's Transaction
 * (afterCommit hooks, savepoints, isolation levels) is offered — use db.transaction for those.
 * A connection whose ROLLBACK fails is broken: Sequelize's pool validation drops it on next use.
 */
export async function transaction<T>(db: Sequelize, fn: (t: Transaction) => Promise<T>): Promise<T> {
  const pool = db.connectionManager as unknown as Pool;
  const connection = await pool.getConnection({ type: 'write' });
  const handle = {
    connection,
    finished: undefined as 'commit' | 'rollback' | undefined,
    async rollback() {
      if (handle.finished) return;
      handle.finished = 'rollback';
      await send(connection, 'ROLLBACK');
    },
  };
  try {
    await send(connection, 'START TRANSACTION');
    let result: T;
    try {
      result = await fn(handle as unknown as Transaction);
    } catch (err) {
      await handle.rollback().catch(() => undefined);
      throw err;
    }
    if (handle.finished) throw new Error(`transaction(): the transaction was already ${handle.finished === 'rollback' ? 'rolled back' : 'committed'}`);
    handle.finished = 'commit';
    await send(connection, 'COMMIT');
    return result;
  } finally {
    pool.releaseConnection(connection);
  }
}

export interface QueryOptions {
  replacements?: unknown[];
  transaction?: Transaction | null;
}

export function query<T extends object = Record<string, unknown>>(db: Sequelize, sql: string, o: QueryOptions & { type: QueryTypes.SELECT }): Promise<T[]>;
export function query(db: Sequelize, sql: string, o: QueryOptions & { type: QueryTypes.INSERT }): Promise<[number, number]>;
export function query(db: Sequelize, sql: string, o: QueryOptions & { type: QueryTypes.UPDATE }): Promise<[undefined, number]>;
export function query(db: Sequelize, sql: string, o?: QueryOptions & { type?: undefined }): Promise<[ResultHeader, ResultHeader]>;
export async function query(db: Sequelize, sql: string, o: QueryOptions & { type?: QueryTypes } = {}): Promise<unknown> {
  const held = (o.transaction as unknown as { connection?: Mysql2Connection } | null | undefined)?.connection;
  const pool = db.connectionManager as unknown as Pool;
  const conn = held ?? await pool.getConnection({ type: 'write' });
  let result: unknown;
  try {
    result = await send(conn, sql, o.replacements);
  } finally {
    if (!held) pool.releaseConnection(conn);
  }
  switch (o.type) {
    case QueryTypes.SELECT:
      return result as unknown[];
    case QueryTypes.INSERT: {
      const h = result as ResultHeader;
      return [h.insertId, h.affectedRows];
    }
    case QueryTypes.UPDATE:
      return [undefined, (result as ResultHeader).affectedRows];
    case undefined:
      return [result, result];
    default:
      throw new Error(`query(): type ${String(o.type)} is not supported here; use db.query`);
  }
}

/** mysql2 puts the formatted statement (values inlined) on its errors: keep the template only. */
function withoutValues(err: Error, sql: string): Error {
  const e = err as Error & { sql?: string; sqlMessage?: string };
  if (e.sql !== undefined) e.sql = sql;
  return e;
}
