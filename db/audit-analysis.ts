/**
 * Periodic analysis of the usage records (R6.7 "analysed periodically"; R6.5 "periodic check for
 * unauthorised logins"). Each run reads the audit entries appended since the previous run (with
 * enough earlier entries for a burst that spans two runs), flags
 *   - failed_login_burst: refused logins/token requests against one account or from one address,
 *   - forbidden_burst: 403s of one account (someone probing for rights they lack),
 *   - off_hours_bulk_read: many reads of personal data by one account outside office hours
 *     (Japan time: before 08:00, from 20:00, weekends, national holidays, 年末年始),
 * and appends each finding and the run itself to the audit log, in one transaction, so the
 * findings are as tamper-evident as the entries they describe. The run entry records how far it
 * read, which is where the next run — on any worker, after any restart — continues.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { isBusinessDay } from '../domain/business-days';
import type { AuditLog } from './audit';
import { sqlTime } from './connection';

export type Rule = 'failed_login_burst' | 'forbidden_burst' | 'off_hours_bulk_read';

export interface RuleLimits { threshold: number; windowMs: number }

export const DEFAULT_RULES: Readonly<Record<Rule, RuleLimits>> = {
  failed_login_burst: { threshold: 5, windowMs: 10 * 60_000 },
  forbidden_burst: { threshold: 10, windowMs: 10 * 60_000 },
  off_hours_bulk_read: { threshold: 20, windowMs: 60 * 60_000 },
};

/** Office hours in Japan time, [start, end) in hours, on business days (開庁日). */
export const OFFICE_HOURS_JST = { start: 8, end: 20 } as const;

/** Actions that read personal data; new read routes should log `<thing>.read|search|list|download`. */
export const PERSONAL_DATA_READ = /^(registrant|case|license|credential|disposition|my_number)\.(read|search|list|download|reveal|lookup)$/;
const EXTRA_PERSONAL_DATA_READS = new Set(['temporal.payload.decode']);
const FAILED_AUTH = new Set(['auth.login', 'auth.token', 'auth.password_change']);

export const ANALYSIS_ACTOR = 'system:audit-analysis';
const PURPOSE = 'usage-record analysis (R6.7)';

export interface AuditRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  outcome: string;
  detail: Record<string, unknown> | null;
}

export interface Finding {
  rule: Rule;
  subject: { kind: 'account' | 'ip'; value: string };
  count: number;
  from: string;
  to: string;
  firstSeq: number;
  lastSeq: number;
}

const JST_MS = 9 * 3_600_000;

export function isOffHoursJst(at: Date): boolean {
  const jst = new Date(at.getTime() + JST_MS);
  const day = jst.toISOString().slice(0, 10);
  const hour = jst.getUTCHours();
  return !isBusinessDay(day) || hour < OFFICE_HOURS_JST.start || hour >= OFFICE_HOURS_JST.end;
}

/** Which (rule, subject) keys an entry counts towards. */
function keysOf(r: AuditRow): [Rule, Finding['subject']][] {
  const keys: [Rule, Finding['subject']][] = [];
  if (FAILED_AUTH.has(r.action) && r.outcome === 'denied') {
    if (r.actor !== 'anonymous') keys.push(['failed_login_burst', { kind: 'account', value: r.actor }]);
    if (typeof r.detail?.ip === 'string') keys.push(['failed_login_burst', { kind: 'ip', value: r.detail.ip }]);
  }
  if (r.action === 'access.forbidden') keys.push(['forbidden_burst', { kind: 'account', value: r.actor }]);
  if (r.outcome === 'ok' && (PERSONAL_DATA_READ.test(r.action) || EXTRA_PERSONAL_DATA_READS.has(r.action)) && isOffHoursJst(r.at)) {
    keys.push(['off_hours_bulk_read', { kind: 'account', value: r.actor }]);
  }
  return keys;
}

/** Clusters of ≥ threshold events within the window, merged where they overlap. */
function bursts(events: AuditRow[], limits: RuleLimits): AuditRow[][] {
  const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq);
  const clusters: [number, number][] = [];
  let i = 0;
  for (let j = 0; j < sorted.length; j++) {
    while (sorted[j].at.getTime() - sorted[i].at.getTime() > limits.windowMs) i++;
    if (j - i + 1 < limits.threshold) continue;
    const last = clusters.at(-1);
    if (last && i <= last[1]) last[1] = j;
    else clusters.push([i, j]);
  }
  return clusters.map(([a, b]) => sorted.slice(a, b + 1));
}

/**
 * The findings among `rows` (pure; rows with seq ≤ `newAfterSeq` are context only: a burst is
 * reported when at least one of its entries is new).
 */
export function findAnomalies(rows: AuditRow[], newAfterSeq: number, rules: Record<Rule, RuleLimits> = DEFAULT_RULES): Finding[] {
  const groups = new Map<string, { rule: Rule; subject: Finding['subject']; events: AuditRow[] }>();
  for (const r of rows) {
    for (const [rule, subject] of keysOf(r)) {
      const k = `${rule}\u0000${subject.kind}\u0000${subject.value}`;
      const g = groups.get(k) ?? { rule, subject, events: [] };
      g.events.push(r);
      groups.set(k, g);
    }
  }
  const findings: Finding[] = [];
  for (const g of groups.values()) {
    for (const b of bursts(g.events, rules[g.rule])) {
      if (!b.some((e) => e.seq > newAfterSeq)) continue;
      const seqs = b.map((e) => e.seq);
      findings.push({ rule: g.rule, subject: g.subject, count: b.length, from: b[0].at.toISOString(),
        to: b[b.length - 1].at.toISOString(), firstSeq: Math.min(...seqs), lastSeq: Math.max(...seqs) });
    }
  }
  return findings.sort((a, b) => a.firstSeq - b.firstSeq);
}

export interface AnalysisRun { fromSeq: number; toSeq: number; findings: Finding[]; runSeq: number }

const LOCK = 'kyusui_audit_analysis';
const maxWindow = (rules: Record<Rule, RuleLimits>) => Math.max(...Object.values(rules).map((r) => r.windowMs));

function toRow(r: Record<string, unknown>): AuditRow {
  let detail: Record<string, unknown> | null = null;
  try {
    detail = r.detail ? (JSON.parse(String(r.detail)) as Record<string, unknown>) : null;
  } catch {
    /* a detail that is not JSON counts as none */
  }
  return { seq: Number(r.seq), at: r.at as Date, actor: String(r.actor), action: String(r.action), outcome: String(r.outcome), detail };
}

/**
 * One analysis run over the entries since the previous run. Returns null when another process
 * holds the run (MariaDB named lock), so several workers may schedule it safely.
 */
export async function runAuditAnalysis(db: Sequelize, audit: AuditLog, opts: { actor?: string; rules?: Record<Rule, RuleLimits> } = {}):
  Promise<AnalysisRun | null> {
  const rules = opts.rules ?? DEFAULT_RULES;
  const schema = db.getDatabaseName();
  // A named lock belongs to a connection: hold one connection for the whole run.
  return db.transaction(async (t) => {
    const [{ got }] = await db.query<{ got: number | null }>('SELECT GET_LOCK(?, 0) AS got', { replacements: [LOCK], type: QueryTypes.SELECT, transaction: t });
    if (Number(got) !== 1) return null;
    try {
      const [last] = await db.query<{ detail: string }>(
        `SELECT detail FROM ${schema}.audit_log WHERE action = 'audit.analysis' ORDER BY seq DESC LIMIT 1`, { type: QueryTypes.SELECT });
      const fromSeq = last ? Number((JSON.parse(last.detail) as { toSeq: number }).toSeq) : 0;
      // Up to the sealed watermark: every number below it is committed or a declared gap, so no
      // entry still in flight is skipped for ever by moving past it.
      const toSeq = (await audit.seal()).sealedThrough;
      const cols = 'seq, at, actor, action, outcome, detail';
      const fresh = (await db.query<Record<string, unknown>>(
        `SELECT ${cols} FROM ${schema}.audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`,
        { replacements: [fromSeq, toSeq], type: QueryTypes.SELECT })).map(toRow);
      const earliest = fresh.reduce((m, r) => Math.min(m, r.at.getTime()), Number.POSITIVE_INFINITY);
      const context = fresh.length === 0 ? [] : (await db.query<Record<string, unknown>>(
        `SELECT ${cols} FROM ${schema}.audit_log WHERE seq <= ? AND at >= ? ORDER BY seq`,
        { replacements: [fromSeq, sqlTime(new Date(earliest - maxWindow(rules)))], type: QueryTypes.SELECT })).map(toRow);
      const findings = findAnomalies([...context, ...fresh], fromSeq, rules);
      const runSeq = await db.transaction(async (w) => {
        for (const f of findings) {
          await audit.append({ actor: ANALYSIS_ACTOR, action: 'audit.finding', purpose: PURPOSE, targetType: f.subject.kind,
            targetId: f.subject.value.slice(0, 64), outcome: 'ok', detail: { ...f, runToSeq: toSeq } }, w);
        }
        const run = await audit.append({ actor: opts.actor ?? ANALYSIS_ACTOR, action: 'audit.analysis', purpose: PURPOSE, outcome: 'ok',
          detail: { fromSeq, toSeq, entries: fresh.length, findings: findings.length } }, w);
        return run.seq;
      });
      return { fromSeq, toSeq, findings, runSeq };
    } finally {
      await db.query('SELECT RELEASE_LOCK(?)', { replacements: [LOCK], transaction: t });
    }
  });
}

export interface StoredFinding extends Finding { seq: number; recordedAt: string }

/** The recorded findings, newest first, for the auditor (GET /api/v1/audit/findings, admin command). */
export async function listFindings(db: Sequelize, opts: { afterSeq?: number; limit?: number } = {}): Promise<StoredFinding[]> {
  const rows = await db.query<{ seq: number; at: Date; detail: string }>(
    `SELECT seq, at, detail FROM ${db.getDatabaseName()}.audit_log WHERE action = 'audit.finding' AND seq > ? ORDER BY seq DESC LIMIT ?`,
    { replacements: [opts.afterSeq ?? 0, Math.min(opts.limit ?? 100, 1000)], type: QueryTypes.SELECT });
  return rows.map((r) => {
    const d = JSON.parse(r.detail) as Finding;
    return { seq: Number(r.seq), recordedAt: r.at.toISOString(), rule: d.rule, subject: d.subject, count: d.count,
      from: d.from, to: d.to, firstSeq: d.firstSeq, lastSeq: d.lastSeq };
  });
}
