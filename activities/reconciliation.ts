/**
 * The yearly reconciliation's activities (activities/reconciliation-contract.ts): a keyset page of
 * the registrant file is sent to 住基ネット as one batch file (一括照会), the 本籍 of the living is
 * asked of the 中間サーバー in one batch call with our institution codes (機関別符号), and every
 * difference with our file becomes a finding, once per (registrant, kind, event) over all runs.
 *
 * Idempotent like the case activities: a page row records the batch (same requestId → same batch
 * on the remote), findings are INSERT IGNOREd on their unique event key before anything is done
 * about them, and each follow-up is itself idempotent (fileSystemCase by key, notices by key,
 * the address update only when it still differs). A worker killed anywhere repeats nothing and
 * loses nothing. Results returned to the workflow are IDs and counts only.
 *
 * The My Numbers of a page are revealed with one audited batch reveal (vault.revealMany) for the
 * batch file and, the first time only, for the institution codes; they live in this function's
 * memory for the one call that needs them and are never returned, logged or stored.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { ChukanAdapter, IdentityInfo, JukiAdapter, RemoteName } from '../adapters';
import { isRemoteError, toFailureInfo } from '../adapters';
import { CHUKAN_MAX_BATCH } from '../adapters/chukan';
import type { SystemCaseInput } from '../api/cases/system-intake';
import type { Queues } from '../common/queues';
import type { AuditLog } from '../db/audit';
import { insertRows, JSON_TEXT, jsonParam, runStatement, runTransaction, selectArrays } from '../db/bulk';
import { sqlTime } from '../db/connection';
import { derivedId } from '../db/documents';
import { inquiryBatchStatements, recordInquiryBatch } from '../db/inquiry-batches';
import type { MyNumberVault } from '../db/vault';
import type { FindingKind, ReconciliationProgress } from '../workflows/reconciliation/model';
import type {
  CollectPageResult, PageRef, ReconciliationActivities, SubmitPageInput, SubmitPageResult,
} from './reconciliation-contract';
import { rewriteNoticeText } from './reconciliation-notices';
import { createThrottle } from './throttle';

export const RECONCILIATION_ACTOR = 'system:reconciliation';
const PURPOSE_JUKI = '給水装置工事主任技術者免状事務: 登録事項の定期照合 (本人確認情報)';
const PURPOSE_HONSEKI = '給水装置工事主任技術者免状事務: 登録事項の定期照合 (本籍)';

export interface ReconciliationDeps {
  db: Sequelize;
  audit: AuditLog;
  vault: MyNumberVault;
  juki: JukiAdapter;
  chukan: ChukanAdapter;
  queues: Queues;
  /** fileSystemCase bound to the process's Temporal client and task queue. */
  fileCase(input: SystemCaseInput): Promise<{ caseId: string; created: boolean }>;
  /** Upper bound of follow-up case starts per second in this process (throttle). */
  caseStartsPerSecond: number;
  /** Follow-ups (case starts, notices) running at once in this process. */
  followUpConcurrency: number;
}

interface PageRow {
  after_id: string;
  last_id: string;
  registrant_ids: string;
  registrants: number;
  submitted: number;
  batch_id: string | null;
  skipped: number;
  done_at: Date | null;
}

interface RegistrantRow {
  registrant_id: string;
  name_kanji: string;
  name_kana: string;
  postal_code: string | null;
  address: string | null;
  honseki: string | null;
}

/**
 * A page's keys are a contiguous range of the registrant key, (after, last]: its lookups (our file,
 * the institution codes) read that range in key order and keep the rows of the persons asked
 * about — a range scan instead of 10,000 index probes joined from a list of keys, about a fifth of
 * the database's work per person. (The vault is still read by the exact list: it reads no entry
 * it was not asked for.)
 */
interface KeyRange { after: string; last: string }

interface Finding {
  registrantId: string;
  kind: FindingKind;
  fingerprint: string;
  date: string | null;
  action: 'deletion_case' | 'rewrite_notice' | 'address_update';
  /** Only for an address update, kept in memory for the update of this page. */
  update?: { address: string; postalCode: string };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const name = (s: string) => s.trim().replace(/[\s\u3000]+/gu, '\u3000');
const addr = (s: string | null) => (s ?? '').replace(/[\s\u3000]/gu, '');
/** Equal as written is equal once normalised: the regular expressions run only when the texts differ (rarely). */
const sameName = (a: string, b: string) => a === b || name(a) === name(b);
const sameAddr = (a: string, b: string | null) => a === b || addr(a) === addr(b);

/** What differs between our file and the registries (a dead person's other changes do not matter). */
export function compareRegistrant(reg: RegistrantRow, id: IdentityInfo, honseki: string | null): Finding[] {
  const date = id.lastChange.date;
  const base = { registrantId: reg.registrant_id, date };
  if (id.dead) return [{ ...base, kind: 'death', fingerprint: sha(`death|${date}`), action: 'deletion_case' }];
  const out: Finding[] = [];
  if (!sameAddr(id.address, reg.address) || id.postalCode !== reg.postal_code) {
    out.push({ ...base, kind: 'move', fingerprint: sha(`move|${date}|${id.postalCode}|${addr(id.address)}`), action: 'address_update',
      update: { address: id.address, postalCode: id.postalCode } });
  }
  if (!sameName(id.nameKanji, reg.name_kanji) || !sameName(id.nameKana, reg.name_kana)) {
    out.push({ ...base, kind: 'name_change', fingerprint: sha(`name|${date}|${name(id.nameKanji)}|${name(id.nameKana)}`), action: 'rewrite_notice' });
  }
  if (honseki !== null && honseki !== reg.honseki) {
    out.push({ registrantId: reg.registrant_id, date: null, kind: 'honseki_change', fingerprint: sha(`honseki|${honseki}`), action: 'rewrite_notice' });
  }
  return out;
}

function nonRetryable(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function asFailure(err: unknown): unknown {
  if (!isRemoteError(err)) return err;
  const f = toFailureInfo(err);
  return ApplicationFailure.create({ type: f.type, message: f.message, nonRetryable: f.nonRetryable, nextRetryDelay: f.nextRetryDelayMs });
}

const heartbeat = (detail?: unknown) => Context.current().heartbeat(detail);

/**
 * Heartbeats every 5 s while `fn` runs: a long remote call sends none of its own, and the
 * workflow's short heartbeat timeout is what lets a killed worker's page be retried quickly.
 */
async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), 5000);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
/**
 * A part's institution codes in one statement: the pairs as one JSON array that MariaDB expands
 * (JSON_TABLE), as the page lookups do — no per-value escaping here, less parsing there than a
 * VALUES list of 10,000 rows. IGNORE: a code another run stored first wins (re-read after).
 */
const INSERT_CODES = `INSERT IGNORE INTO institution_codes (pseudonym_id, institution_code, obtained_at)
  SELECT j.pseudonym_id, j.code, ? FROM JSON_TABLE(${JSON_TEXT}, '$[*]' COLUMNS (pseudonym_id VARCHAR(255) PATH '$[0]', code VARCHAR(255) PATH '$[1]')) AS j`;

const inChunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export function createReconciliationActivities(deps: ReconciliationDeps): ReconciliationActivities {
  const { db, vault } = deps;
  const throttle = createThrottle({ perSecond: deps.caseStartsPerSecond, concurrency: deps.followUpConcurrency });
  const ctx = (purpose: string) => ({ purpose, actor: RECONCILIATION_ACTOR, signal: Context.current().cancellationSignal });

  async function loadPage(runId: string, pageNo: number): Promise<PageRow | undefined> {
    const [row] = await runStatement<PageRow[]>(db,
      `SELECT after_id, last_id, registrant_ids, registrants, submitted, batch_id, skipped, done_at
         FROM reconciliation_pages WHERE run_id = ? AND page_no = ?`, [runId, pageNo], 'read');
    return row;
  }

  /**
   * 情報提供等記録 for a batch (db/inquiry-batches.ts): one batch row and one narrow member row per
   * person asked about, in one transaction.
   */
  async function recordInquiries(remote: RemoteName, operation: string, purpose: string, batchRef: string,
    members: { pseudonymId: string; outcome: string; permitId?: string }[]) {
    await recordInquiryBatch(db, { remote, operation, purpose, actor: RECONCILIATION_ACTOR, batchRef, members });
  }

  async function remote<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asFailure(err);
    }
  }

  /**
   * The institution codes of `ids` (all in the page's key range), obtaining (once per person, in
   * batch) those we do not hold yet.
   */
  async function institutionCodes(range: KeyRange, ids: string[], batchRef: string): Promise<Map<string, string>> {
    const codes = new Map<string, string>();
    const known = async (of: string[]) => {
      const want = new Set(of);
      const rows = await selectArrays(db, 'SELECT pseudonym_id, institution_code FROM institution_codes WHERE pseudonym_id > ? AND pseudonym_id <= ?',
        [range.after, range.last]);
      for (const r of rows) if (want.has(r[0] as string)) codes.set(r[0] as string, r[1] as string);
    };
    await known(ids);
    const missing = ids.filter((id) => !codes.has(id));
    if (missing.length === 0) return codes;
    const numbers = await vault.revealMany(missing, { actor: RECONCILIATION_ACTOR, purpose: PURPOSE_HONSEKI, batchRef: `${batchRef}:codes` });
    const asked = missing.filter((id) => numbers.has(id));
    let lost = false;
    for (const part of inChunks(asked, CHUKAN_MAX_BATCH)) {
      const got = await remote(() => deps.chukan.obtainInstitutionCodes(part.map((id) => numbers.get(id)!), ctx(PURPOSE_HONSEKI)));
      const now = sqlTime();
      const rows = part.flatMap((id, i): [string, string][] => {
        const code = got[i];
        return code ? [[id, code]] : [];
      });
      // The codes and the 情報提供等記録 of the call that gave them in one transaction (one commit): a
      // stored code always has its record.
      const records = inquiryBatchStatements({ remote: 'chukan', operation: 'obtainInstitutionCodes', purpose: PURPOSE_HONSEKI, actor: RECONCILIATION_ACTOR,
        batchRef: `${batchRef}:codes`, members: part.map((id, i) => ({ pseudonymId: id, outcome: got[i] ? 'ok' : 'not_found' })) }).statements;
      const results = await runTransaction(db, rows.length ? [{ sql: INSERT_CODES, values: [now, jsonParam(rows)] }, ...records] : records);
      const stored = rows.length ? (results[0] as { affectedRows: number }).affectedRows : 0;
      lost ||= stored < rows.length;
      for (const [id, code] of rows) codes.set(id, code);
      heartbeat();
    }
    numbers.clear();
    // The stored code wins over ours if another run stored one first: only then re-read them.
    if (lost) await known(asked);
    return codes;
  }

  async function honsekiOf(range: KeyRange, ids: string[], batchRef: string): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    if (ids.length === 0) return out;
    const codes = await institutionCodes(range, ids, batchRef);
    const asked = ids.filter((id) => codes.has(id));
    for (const part of inChunks(asked, CHUKAN_MAX_BATCH)) {
      const results = await remote(() => deps.chukan.inquireHonsekiBatch(part.map((id) => codes.get(id)!), ctx(PURPOSE_HONSEKI)));
      part.forEach((id, i) => {
        const r = results[i];
        if (r) out.set(id, r.status === 'determined' ? r.honseki : null);
      });
      await recordInquiries('chukan', 'inquireHonsekiBatch', PURPOSE_HONSEKI, batchRef, part.map((id, i) => ({ pseudonymId: id,
        outcome: results[i]?.status === 'not_found' ? 'not_found' : 'ok', permitId: results[i]?.permitId })));
      heartbeat();
    }
    return out;
  }

  async function registrantsOf(range: KeyRange, ids: string[]): Promise<Map<string, RegistrantRow>> {
    const want = new Set(ids);
    const out = new Map<string, RegistrantRow>();
    const rows = await selectArrays(db,
      'SELECT registrant_id, name_kanji, name_kana, postal_code, address, honseki FROM registrants WHERE registrant_id > ? AND registrant_id <= ?',
      [range.after, range.last]);
    for (const r of rows) {
      const id = r[0] as string;
      if (want.has(id)) out.set(id, { registrant_id: id, name_kanji: r[1] as string, name_kana: r[2] as string, postal_code: r[3] as string | null,
        address: r[4] as string | null, honseki: r[5] as string | null });
    }
    return out;
  }

  async function recordFindings(runId: string, pageNo: number, findings: Finding[]): Promise<void> {
    const now = sqlTime();
    await insertRows(db,
      `INSERT IGNORE INTO reconciliation_findings (finding_id, run_id, page_no, registrant_id, kind, fingerprint, event_date, action, action_status, found_at)
       VALUES ?`,
      findings.map((f) => [derivedId(`finding:${f.registrantId}:${f.kind}:${f.fingerprint}`), runId, pageNo, f.registrantId, f.kind,
        f.fingerprint, f.date, f.action, 'pending', now]));
  }

  /**
   * Address changes (転居・転入) are written to the file directly: audited, only while they still
   * differ. One transaction for the page's moves: the audit chain's head is taken once, not once
   * per move (it is the one lock every audited write in the system queues for).
   */
  async function applyAddressUpdates(runId: string, moves: Finding[]): Promise<void> {
    if (moves.length === 0) return;
    await db.transaction(async (t) => {
      for (const f of moves) await applyAddressUpdate(runId, f, t);
    });
  }

  async function applyAddressUpdate(runId: string, f: Finding, t: Transaction): Promise<void> {
    const findingId = derivedId(`finding:${f.registrantId}:${f.kind}:${f.fingerprint}`);
    const [mine] = await db.query<{ action_status: string }>(
      'SELECT action_status FROM reconciliation_findings WHERE finding_id = ? FOR UPDATE', { replacements: [findingId], type: QueryTypes.SELECT, transaction: t });
    if (!mine || mine.action_status !== 'pending') return;
    const now = sqlTime();
    const [, changed] = await db.query(
      'UPDATE registrants SET address = ?, postal_code = ?, updated_at = ? WHERE registrant_id = ? AND (address <> ? OR postal_code <> ? OR address IS NULL OR postal_code IS NULL)',
      { replacements: [f.update!.address, f.update!.postalCode, now, f.registrantId, f.update!.address, f.update!.postalCode], type: QueryTypes.UPDATE, transaction: t });
    if (Number(changed) > 0) {
      await deps.audit.append({ actor: RECONCILIATION_ACTOR, action: 'registrant.address_update', purpose: '定期照合による住所の更新 (住基ネット)',
        targetType: 'registrant', targetId: f.registrantId, outcome: 'ok', detail: { runId, findingId, changeDate: f.date } }, t);
    }
    await db.query("UPDATE reconciliation_findings SET action_status = 'done', done_at = ? WHERE finding_id = ?", { replacements: [now, findingId], transaction: t });
  }

  async function followUp(runId: string, f: { finding_id: string; registrant_id: string; kind: FindingKind; event_date: string | null }): Promise<void> {
    const now = sqlTime();
    if (f.kind === 'death') {
      const { caseId } = await throttle(() => deps.fileCase({ type: 'deletion', registrantId: f.registrant_id, filedBy: RECONCILIATION_ACTOR,
        key: `recon:${f.registrant_id}:death:${f.event_date}`, reason: '死亡', details: { event: 'death', date: f.event_date, runId } }));
      await db.query("UPDATE reconciliation_findings SET case_id = ?, action_status = 'done', done_at = ? WHERE finding_id = ?",
        { replacements: [caseId, now, f.finding_id] });
      return;
    }
    // 氏名 or 本籍 changed: the holder must apply for a rewrite (書換え交付); we ask them to.
    const noticeId = derivedId(`registrant-notice:${f.finding_id}`);
    const [reg] = await db.query<{ email: string | null }>('SELECT email FROM registrants WHERE registrant_id = ?',
      { replacements: [f.registrant_id], type: QueryTypes.SELECT });
    const text = rewriteNoticeText(f.kind === 'name_change' ? 'name' : 'honseki');
    await db.query(
      `INSERT IGNORE INTO registrant_notices (notice_id, notice_key, registrant_id, kind, subject, body, created_at, mail_status)
       VALUES (?, ?, ?, 'rewrite_requested', ?, ?, ?, ?)`,
      { replacements: [noticeId, `recon:${f.finding_id}`, f.registrant_id, text.subject, text.body, now, reg?.email ? 'queued' : 'none'] });
    if (reg?.email) await throttle(() => deps.queues.mail.add({ registrantNoticeId: noticeId }, { jobId: `registrant-notice-${noticeId}` }));
    await db.query("UPDATE reconciliation_findings SET notice_id = ?, action_status = 'done', done_at = ? WHERE finding_id = ?",
      { replacements: [noticeId, now, f.finding_id] });
  }

  /** Counters from the rows themselves, so a repeated step can never count twice. */
  async function counts(runId: string, pageNo?: number): Promise<ReconciliationProgress> {
    const page = pageNo === undefined ? '' : ' AND page_no = ?';
    const args = pageNo === undefined ? [runId] : [runId, pageNo];
    const [p] = await db.query<{ processed: string | null; skipped: string | null }>(
      `SELECT SUM(registrants) AS processed, SUM(skipped) AS skipped FROM reconciliation_pages WHERE run_id = ? AND done_at IS NOT NULL${page}`,
      { replacements: args, type: QueryTypes.SELECT });
    const rows = await db.query<{ kind: FindingKind; n: string; cases: string }>(
      `SELECT kind, COUNT(*) AS n, COUNT(case_id) AS cases FROM reconciliation_findings WHERE run_id = ?${page} GROUP BY kind`,
      { replacements: args, type: QueryTypes.SELECT });
    const n = (k: FindingKind) => Number(rows.find((r) => r.kind === k)?.n ?? 0);
    return { processed: Number(p?.processed ?? 0), skipped: Number(p?.skipped ?? 0), deaths: n('death'), moves: n('move'),
      nameChanges: n('name_change'), honsekiChanges: n('honseki_change'), casesStarted: rows.reduce((s, r) => s + Number(r.cases), 0) };
  }

  async function storeCounts(runId: string, status?: string): Promise<ReconciliationProgress> {
    const c = await counts(runId);
    const now = sqlTime();
    await db.query(
      `UPDATE reconciliation_runs SET processed = ?, skipped = ?, deaths = ?, moves = ?, name_changes = ?, honseki_changes = ?, cases_started = ?,
         status = COALESCE(?, status), finished_at = IF(? IS NULL, finished_at, COALESCE(finished_at, ?)), updated_at = ? WHERE run_id = ?`,
      { replacements: [c.processed, c.skipped, c.deaths, c.moves, c.nameChanges, c.honsekiChanges, c.casesStarted, status ?? null, status ?? null, now, now, runId] });
    return c;
  }

  return {
    async startReconciliationRun({ runId, trigger, startedBy }) {
      const info = Context.current().info.workflowExecution;
      const now = sqlTime();
      await db.query(
        `INSERT IGNORE INTO reconciliation_runs (run_id, trigger_kind, started_by, workflow_id, status, started_at, updated_at)
         VALUES (?, ?, ?, ?, 'running', ?, ?)`, { replacements: [runId, trigger, startedBy.slice(0, 64), info?.workflowId ?? '', now, now] });
      const [row] = await db.query<{ n: string }>("SELECT COUNT(*) AS n FROM registrants WHERE qualification_status <> 'erased'", { type: QueryTypes.SELECT });
      const total = Number(row?.n ?? 0);
      await db.query('UPDATE reconciliation_runs SET total = ? WHERE run_id = ?', { replacements: [total, runId] });
      return { total };
    },

    submitReconciliationPage: (input) => withHeartbeat(() => submitPage(input)),
    collectReconciliationPage: (input) => withHeartbeat(() => collectPage(input)),
    applyReconciliationPage: (input) => withHeartbeat(() => applyPage(input)),

    async finishReconciliationRun({ runId, status }) {
      const c = await storeCounts(runId, status);
      await deps.audit.append({ actor: RECONCILIATION_ACTOR, action: 'reconciliation.finish', purpose: '登録事項の定期照合', targetType: 'reconciliation',
        targetId: runId, outcome: status === 'completed' ? 'ok' : 'error', detail: { ...c } });
      return c;
    },
  };

  async function submitPage({ runId, pageNo, afterId, pageSize }: SubmitPageInput): Promise<SubmitPageResult> {
    const done = await loadPage(runId, pageNo);
    if (done) return { registrants: done.registrants, lastId: done.last_id, batchId: done.batch_id, readyAt: new Date().toISOString() };
    // R6.1: only persons in the registry (not erased) are asked about.
    const rows = await selectArrays(db,
      `SELECT registrant_id FROM registrants WHERE registrant_id > ? AND qualification_status <> 'erased' ORDER BY registrant_id LIMIT ${Number(pageSize)}`,
      [afterId]);
    if (rows.length === 0) return { registrants: 0, lastId: afterId, batchId: null, readyAt: new Date().toISOString() };
    const ids = rows.map((r) => r[0] as string);
    const lastId = ids[ids.length - 1]!;
    const numbers = await vault.revealMany(ids, { actor: RECONCILIATION_ACTOR, purpose: PURPOSE_JUKI, batchRef: `recon:${runId}:${pageNo}` });
    const submitted = ids.filter((id) => numbers.has(id)); // paper and e-Gov registrants have no My Number
    let batchId: string | null = null;
    let readyAt = new Date().toISOString();
    if (submitted.length > 0) {
      const receipt = await remote(() => deps.juki.submitBatch(submitted.map((id) => ({ myNumber: numbers.get(id)! })), ctx(PURPOSE_JUKI),
        { requestId: `recon-${runId}-${pageNo}` }));
      ({ batchId, readyAt } = receipt);
    }
    numbers.clear();
    // The bulk path (db/bulk.ts): Sequelize would scan and lower-case the statement with its 370 KB of IDs.
    await runStatement(db,
      `INSERT IGNORE INTO reconciliation_pages (run_id, page_no, after_id, last_id, registrant_ids, registrants, submitted, batch_id, skipped, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [runId, pageNo, afterId, lastId, submitted.join(','), ids.length, submitted.length, batchId, ids.length - submitted.length, sqlTime()]);
    await db.query('UPDATE reconciliation_runs SET cursor_id = ?, updated_at = ? WHERE run_id = ?', { replacements: [lastId, sqlTime(), runId] });
    return { registrants: ids.length, lastId, batchId, readyAt };
  }

  async function collectPage({ runId, pageNo }: PageRef): Promise<CollectPageResult> {
    const page = await loadPage(runId, pageNo);
    if (!page) throw nonRetryable('PAGE_NOT_FOUND', `page ${pageNo} of run ${runId} was never submitted`);
    const ids = page.registrant_ids ? page.registrant_ids.split(',') : [];
    const identities = new Map<string, IdentityInfo>();
    if (page.batch_id) {
      const c = await remote(() => deps.juki.collectBatch(page.batch_id!, ctx(PURPOSE_JUKI)));
      if (c.status === 'pending') return { status: 'pending', readyAt: c.readyAt };
      for (const r of c.results) {
        const id = ids[r.seq - 1];
        if (id && r.outcome === 'found' && r.identity) identities.set(id, r.identity);
      }
    }
    const range: KeyRange = { after: page.after_id, last: page.last_id };
    // The 住基ネット records are written while the 中間サーバー is asked; all are in before any finding.
    const living = ids.filter((id) => identities.has(id) && !identities.get(id)!.dead);
    const [, honseki, regs] = await Promise.all([
      page.batch_id
        ? recordInquiries('juki', 'batchInquiry', PURPOSE_JUKI, `recon:${runId}:${pageNo}`, ids.map((id) => ({ pseudonymId: id, outcome: identities.has(id) ? 'ok' : 'not_found' })))
        : undefined,
      honsekiOf(range, living, `recon:${runId}:${pageNo}`),
      registrantsOf(range, [...identities.keys()]),
    ]);
    heartbeat();
    const findings = [...identities].flatMap(([id, identity]) => {
      const reg = regs.get(id);
      return reg ? compareRegistrant(reg, identity, honseki.get(id) ?? null) : [];
    });
    await recordFindings(runId, pageNo, findings);
    await applyAddressUpdates(runId, findings.filter((x) => x.kind === 'move'));
    await db.query('UPDATE reconciliation_pages SET skipped = ? WHERE run_id = ? AND page_no = ?',
      { replacements: [page.registrants - identities.size, runId, pageNo] });
    return { status: 'collected', findings: findings.length };
  }

  async function applyPage({ runId, pageNo }: PageRef): Promise<ReconciliationProgress> {
    const pending = await db.query<{ finding_id: string; registrant_id: string; kind: FindingKind; event_date: string | null }>(
      `SELECT finding_id, registrant_id, kind, DATE_FORMAT(event_date, '%Y-%m-%d') AS event_date FROM reconciliation_findings
        WHERE run_id = ? AND page_no = ? AND action_status = 'pending' AND action <> 'address_update'`,
      { replacements: [runId, pageNo], type: QueryTypes.SELECT });
    let done = 0;
    await Promise.all(pending.map(async (f) => {
      await followUp(runId, f);
      heartbeat({ done: ++done });
    }));
    await db.query('UPDATE reconciliation_pages SET done_at = COALESCE(done_at, ?) WHERE run_id = ? AND page_no = ?',
      { replacements: [sqlTime(), runId, pageNo] });
    await storeCounts(runId);
    return counts(runId, pageNo);
  }
}
