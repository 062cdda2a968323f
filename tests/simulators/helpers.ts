/**
 * Shared test plumbing: an in-memory pino logger (deliberately WITHOUT the My Number scrubber of
 * common/logger.ts, so the log test proves our code never logs one, rather than that the last
 * line of defence caught it), an in-process server on an ephemeral port, and fault helpers.
 */
import type { Express } from 'express';
import pino from 'pino';
import type { Logger } from '../../common/logger';
import { startServer, type RunningServer } from '../../simulators/common/http';
import type { FaultPatch, FaultStats } from '../../simulators/common/faults';

export interface MemoryLog {
  logger: Logger;
  lines: string[];
}

export function memoryLogger(lines: string[] = []): MemoryLog {
  const logger = pino({ level: 'trace', base: undefined }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

export const ctx = { purpose: '給水装置工事主任技術者免状 登録審査', actor: 'reviewer-01' };

/** Fast, bounded settings for adapters under test. */
export const fastRetry = { timeoutMs: 400, retries: 2, backoff: { baseMs: 5, maxMs: 20 } };

export function start(app: Express): Promise<RunningServer> {
  return startServer(app, 0);
}

export async function setFaults(url: string, patch: FaultPatch): Promise<void> {
  const res = await fetch(`${url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
  if (!res.ok) throw new Error(`setFaults: HTTP ${res.status} ${await res.text()}`);
}

export async function resetFaults(url: string): Promise<void> {
  await fetch(`${url}/admin/faults`, { method: 'DELETE' });
}

export async function faultStats(url: string): Promise<FaultStats> {
  const res = await fetch(`${url}/admin/faults`);
  return ((await res.json()) as { stats: FaultStats }).stats;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, json };
}

export const requesterHeaders = {
  'x-requester': 'MLIT-KYUSUI',
  'x-purpose': encodeURIComponent(ctx.purpose),
  'x-actor': ctx.actor,
};

/** Captures an awaited rejection for assertions on its class and fields. */
export async function failure(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}
