/**
 * Where the canary sweep looks (issue #5 item 7): each function feeds one store of the running
 * system into a CanaryScanner. Kept apart from the test so the controls run the very same code.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Queue } from 'bull';
import type { Config } from '../../common/config';
import { rootConnection, vaultSchema } from '../helpers/env';
import type { CanaryScanner } from './canary-scan';

/** The one table allowed to hold the number (encrypted). */
export const LINK_TABLE = { schema: vaultSchema, table: 'my_number_links' };

/** $RUN_DIR of scripts/test.sh: exported by some callers, else the parent of the MariaDB socket's folder. */
export function runDir(): string {
  if (process.env.RUN_DIR) return process.env.RUN_DIR;
  if (!process.env.MARIADB_SOCKET) throw new Error('MARIADB_SOCKET is not set: run the suite with `npm test`');
  return path.resolve(path.dirname(process.env.MARIADB_SOCKET), '..');
}

/** Every Redis key, whatever its type, with its value as bytes (Bull keeps job data in hashes). */
export async function sweepRedis(scanner: CanaryScanner, redis: Queue['client']): Promise<number> {
  let keys = 0;
  const stream = redis.scanBufferStream({ count: 500 }) as Readable;
  for await (const batch of stream) {
    for (const key of batch as Buffer[]) {
      keys++;
      const type = String(await redis.type(key));
      const cmd: Record<string, [string, ...(string | number)[]]> = {
        string: ['GET'], hash: ['HGETALL'], list: ['LRANGE', 0, -1], set: ['SMEMBERS'], zset: ['ZRANGE', 0, -1, 'WITHSCORES'],
        stream: ['XRANGE', '-', '+'],
      };
      const c = cmd[type];
      const value = c ? await redis.callBuffer(c[0], key, ...c.slice(1)) : null;
      scanner.scan(`redis ${type} ${key.toString('latin1')}`, Buffer.concat([key, Buffer.from('\n'), flatten(value)]), 'redis');
    }
  }
  return keys;
}

function flatten(v: unknown): Buffer {
  if (v == null) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return Buffer.concat(v.map((x) => Buffer.concat([flatten(x), Buffer.from('\n')])));
  return Buffer.from(String(v));
}

/**
 * Every workflow of the namespace, read WITHOUT the payload codec: the raw protobuf of each
 * history page and of each description (search attributes, memo), and their JSON form (payload
 * bytes as base64).
 */
export async function sweepTemporal(scanner: CanaryScanner, config: Config): Promise<{ workflows: number; events: number }> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const svc = connection.workflowService;
  const { workflowservice } = temporal.api;
  const namespace = config.TEMPORAL_NAMESPACE;
  let workflows = 0;
  let events = 0;
  try {
    let listToken: Uint8Array | undefined;
    do {
      const list = await svc.listWorkflowExecutions({ namespace, pageSize: 200, nextPageToken: listToken });
      scanner.scan('temporal list', Buffer.from(workflowservice.v1.ListWorkflowExecutionsResponse.encode(list).finish()), 'temporal');
      for (const wf of list.executions) {
        workflows++;
        const execution = { workflowId: wf.execution!.workflowId!, runId: wf.execution!.runId! };
        const label = `temporal ${execution.workflowId}/${execution.runId}`;
        const desc = await svc.describeWorkflowExecution({ namespace, execution });
        const d = workflowservice.v1.DescribeWorkflowExecutionResponse;
        scanner.scan(`${label} description`, Buffer.from(d.encode(desc).finish()), 'temporal');
        scanner.scan(`${label} description (JSON)`, JSON.stringify(d.toObject(desc, { bytes: String })), 'temporal');
        let token: Uint8Array | undefined;
        do {
          const page = await svc.getWorkflowExecutionHistory({ namespace, execution, nextPageToken: token });
          events += page.history?.events?.length ?? 0;
          const h = workflowservice.v1.GetWorkflowExecutionHistoryResponse;
          scanner.scan(`${label} history`, Buffer.from(h.encode(page).finish()), 'temporal');
          scanner.scan(`${label} history (JSON)`, JSON.stringify(h.toObject(page, { bytes: String })), 'temporal');
          token = page.nextPageToken?.length ? page.nextPageToken : undefined;
        } while (token);
      }
      listToken = list.nextPageToken?.length ? list.nextPageToken : undefined;
    } while (listToken);
  } finally {
    await connection.close();
  }
  return { workflows, events };
}

/**
 * Every table of every schema (information_schema and mysql included) as root, but the link
 * table; binary columns as their bytes, the rest as text.
 */
export async function sweepDatabase(scanner: CanaryScanner, opts: { schemas?: string[] } = {}): Promise<{ tables: number; rows: number; skipped: string[] }> {
  const root = await rootConnection();
  let tables = 0;
  let rows = 0;
  const skipped: string[] = [];
  try {
    const [list] = await root.query<(import('mysql2').RowDataPacket & { s: string; t: string })[]>(
      'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES ORDER BY 1, 2');
    for (const { s, t } of list) {
      if (opts.schemas && !opts.schemas.includes(s)) continue;
      if (s === LINK_TABLE.schema && t === LINK_TABLE.table) continue;
      let data: unknown[][];
      try {
        [data] = await root.query({ sql: `SELECT * FROM \`${s}\`.\`${t}\``, rowsAsArray: true, dateStrings: true }) as unknown as [unknown[][]];
      } catch (err) {
        skipped.push(`${s}.${t}: ${(err as Error).message.slice(0, 80)}`);
        continue;
      }
      tables++;
      rows += data.length;
      const parts = data.flatMap((r) => r.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(`${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}\t`))));
      scanner.scan(`table ${s}.${t}`, Buffer.concat(parts), 'database');
    }
  } finally {
    await root.end();
  }
  return { tables, rows, skipped };
}

/** Log text: the canary in clear, and the logger's last line of defence having had to mask a number. */
export function scanLogText(scanner: CanaryScanner, source: string, text: string): string[] {
  scanner.scan(source, text, 'logs');
  return text.split('\n').filter((l) => l.includes('[個人番号]')).map((l) => `${source}: ${l.slice(0, 300)}`);
}
