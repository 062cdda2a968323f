/**
 * The case workflow's activities (activities/case-contract.ts), on the real database, vault,
 * adapters, document store and queues. Every one is idempotent — a retry or a second delivery
 * finds its own earlier work (unique keys, INSERT IGNORE, derived IDs, Bull job IDs) — and none
 * returns personal data to the workflow: the history holds IDs, statuses and field names only.
 *
 * The My Number is revealed from the vault only inside verifyIdentity / checkHonseki, for the one
 * adapter call that needs it, with purpose and actor recorded; it is never returned or logged.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { ChukanAdapter, HonsekiResult, JukiAdapter, PaymentGatewayAdapter } from '../adapters';
import { isRemoteError, toFailureInfo, type IdentityInfo, type InquiryContext, type RemoteName } from '../adapters';
import type { Queues } from '../common/queues';
import type { AuditLog } from '../db/audit';
import { sqlTime } from '../db/connection';
import { derivedId, type DocumentStore } from '../db/documents';
import { purgeExpiredInquiryResults } from '../db/inquiry-retention';
import type { MyNumberVault } from '../db/vault';
import { addBusinessDays } from '../domain/business-days';
import { isDeceasedEntry, isEndedEntry, type ErasureState } from '../domain/erasure';
import { todayInTokyo } from '../domain/iso-date';
import { renderLicensePdf, type LicenseQr } from '../domain/license-pdf';
import { noticeText } from '../domain/notices';
import type { Applicant } from '../domain/validation';
import { TERMINAL_STATUSES, type CheckFindings } from '../workflows/case/model';
import type { CaseActivities, CaseRef, RecordStatusInput, StatusChange, StatusSteps } from './case-contract';
import { applyCaseToRegistry, RegistryChangeError } from './registry-changes';
import { query, transaction } from '../db/query';

/** The system itself, as the actor of automatic steps. */
export const SYSTEM_ACTOR = 'system:case-workflow';
const PURPOSE_IDENTITY = '給水装置工事主任技術者免状事務: 申請者の本人確認';
const PURPOSE_HONSEKI = '給水装置工事主任技術者免状事務: 本籍の確認';
const PURPOSE_REREGISTRATION = '給水装置工事主任技術者免状事務: 再登録者の資格仮名IDの発行';

export interface CaseActivityDeps {
  db: Sequelize;
  audit: AuditLog;
  vault: MyNumberVault;
  juki: JukiAdapter;
  chukan: ChukanAdapter;
  payments: PaymentGatewayAdapter;
  queues: Queues;
  documents: DocumentStore;
  /** Where the gateway sends its webhook: `<publicBaseUrl>/api/v1/payments/webhook`. */
  publicBaseUrl: string;
  inquiryRetentionDays: number;
  /** Licenses rendered at once by one worker (default 2). */
  licenseRenderConcurrency?: number;
  /** PNG of the credential QR printed on the license, when the credential service is wired in. */
  licenseQr?: (registrantId: string) => Promise<LicenseQr | undefined>;
}

interface CaseRow {
  case_id: string;
  type: string;
  channel: string;
  status: string;
  pseudonym_id: string | null;
  registrant_id: string | null;
  passer_number: string | null;
  applicant: Applicant | string;
  details: Record<string, unknown> | string | null;
  payment_method: string | null;
  created_by: string;
}

const parseJson = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/** Where this activity runs in which workflow run: a stable key for idempotent writes. */
function runKey(): string {
  const info = Context.current().info;
  return `${workflowRun().workflowId}/${workflowRun().runId}/${info.activityId}`;
}

function workflowRun(): { workflowId: string; runId: string } {
  const run = Context.current().info.workflowExecution;
  if (!run) throw nonRetryable('NOT_IN_WORKFLOW', 'case activities run only inside a case workflow');
  return run;
}

function nonRetryable(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Adapter failures become Temporal failures: outages are retried (after Retry-After), refusals are not. */
function asFailure(err: unknown): unknown {
  if (!isRemoteError(err)) return err;
  const f = toFailureInfo(err);
  return ApplicationFailure.create({ type: f.type, message: f.message, nonRetryable: f.nonRetryable,
    nextRetryDelay: f.nextRetryDelayMs });
}

/** A remote system's "no such person" (adapters' NOT_FOUND), as callRemote rethrows it. */
function isNotFound(err: unknown): boolean {
  return err instanceof ApplicationFailure && /^(juki|chukan)\.NOT_FOUND$/.test(err.type ?? '');
}

const ENDED: readonly string[] = TERMINAL_STATUSES;

/**
 * Renders at most `n` licenses at once per worker: each render holds the font in HarfBuzz's
 * memory and a core busy, so more at once only costs memory and time (2 cores here).
 */
function limiter(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

type CaseActivitiesWithPurge = CaseActivities & {
  purgeInquiryResults(input: { now?: string }): Promise<{ purged: number }>;
};

export function createCaseActivities(deps: CaseActivityDeps): CaseActivitiesWithPurge {
  const { db, audit, vault } = deps;
  const renderSlot = limiter(deps.licenseRenderConcurrency ?? 2);

  async function loadCase(caseId: string, t?: Transaction, lock = false): Promise<CaseRow> {
    const [row] = await query<CaseRow>(db,
      `SELECT case_id, type, channel, status, pseudonym_id, registrant_id, passer_number, applicant, details, payment_method, created_by
         FROM cases WHERE case_id = ?${lock ? ' FOR UPDATE' : ''}`,
      { replacements: [caseId], type: QueryTypes.SELECT, transaction: t });
    if (!row) throw nonRetryable('CASE_NOT_FOUND', `case ${caseId} does not exist`);
    return row;
  }
  const applicantOf = (row: CaseRow) => parseJson<Applicant>(row.applicant)!;

  /**
   * The applicant's notice for this activity (key = the activity, so a retry writes nothing twice);
   * returns the notice to mail, if the applicant has an address.
   */
  async function writeNotice(caseId: string, kind: string, reason: string | undefined, t?: Transaction): Promise<{ noticeId: string } | undefined> {
    const row = await loadCase(caseId, t);
    const key = runKey();
    const text = noticeText(kind, caseId, reason);
    const noticeId = derivedId(`notice:${key}`);
    let email: string | undefined = applicantOf(row)?.email;
    if (!email && row.registrant_id && row.type !== 'registration') {
      const [r] = await query<{ email: string | null }>(db, 'SELECT email FROM registrants WHERE registrant_id = ?',
        { replacements: [row.registrant_id], type: QueryTypes.SELECT, transaction: t });
      email = r?.email ?? undefined;
    }
    await query(db,
      `INSERT IGNORE INTO notices (notice_id, notice_key, case_id, kind, subject, body, created_at, mail_status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [noticeId, key, caseId, kind, text.subject, text.body, sqlTime(), email ? 'queued' : 'none'], transaction: t });
    return email ? { noticeId } : undefined;
  }
  /** The job carries the notice ID only: the address and text stay in the database. */
  const enqueueMail = ({ noticeId }: { noticeId: string }) => deps.queues.mail.add({ noticeId }, { jobId: `notice-${noticeId}` });

  /** 情報提供等記録 on our side: who asked what, about whom (by 資格仮名ID), why, with what outcome. */
  async function recordInquiry(r: { remote: RemoteName; operation: string; purpose: string; caseId: string; pseudonymId: string;
    outcome: string; remoteCode?: string; permitId?: string }): Promise<void> {
    await query(db,
      `INSERT INTO inquiry_records (record_id, at, remote, operation, purpose, actor, case_id, pseudonym_id, outcome, remote_code, permit_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [randomUUID(), sqlTime(), r.remote, r.operation, r.purpose, SYSTEM_ACTOR, r.caseId, r.pseudonymId, r.outcome,
        r.remoteCode ?? null, r.permitId ?? null] });
  }

  /**
   * R6.1: an inquiry is made only about a person in an open case or in the registry. The check is
   * made here, before the vault is opened, whatever the caller.
   */
  async function assertInquiryAllowed(row: CaseRow, remote: RemoteName, operation: string, purpose: string): Promise<string> {
    const pseudonymId = row.pseudonym_id;
    if (!pseudonymId) throw nonRetryable('NO_MY_NUMBER', 'the case has no My Number reference');
    const open = !ENDED.includes(row.status);
    const [registered] = open ? [true] : await query<{ n: number }>(db,
      "SELECT 1 AS n FROM registrants WHERE registrant_id = ? AND qualification_status <> 'erased'",
      { replacements: [pseudonymId], type: QueryTypes.SELECT });
    if (!registered) {
      await recordInquiry({ remote, operation, purpose, caseId: row.case_id, pseudonymId, outcome: 'refused', remoteCode: 'NOT_IN_OPEN_CASE' });
      throw nonRetryable('INQUIRY_NOT_ALLOWED', 'inquiries are made only about persons in an open case or in the registry');
    }
    return pseudonymId;
  }

  async function keepResult(caseId: string, kind: 'identity' | 'honseki', result: unknown): Promise<void> {
    const now = new Date();
    const expires = new Date(now.getTime() + deps.inquiryRetentionDays * 86_400_000);
    await query(db,
      `INSERT INTO inquiry_results (case_id, kind, result, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE result = VALUES(result), created_at = VALUES(created_at), expires_at = VALUES(expires_at), purged_at = NULL`,
      { replacements: [caseId, kind, JSON.stringify(result), sqlTime(now), sqlTime(expires)] });
  }

  const remoteContext = (purpose: string): InquiryContext => ({ purpose, actor: SYSTEM_ACTOR, signal: Context.current().cancellationSignal });

  async function callRemote<T>(rec: { remote: RemoteName; operation: string; purpose: string; caseId: string; pseudonymId: string },
    fn: () => Promise<T>, permitOf?: (r: T) => string | undefined): Promise<T> {
    try {
      const result = await fn();
      await recordInquiry({ ...rec, outcome: 'ok', permitId: permitOf?.(result) });
      return result;
    } catch (err) {
      if (isRemoteError(err)) {
        const outcome = err.retryable ? 'unavailable' : err.code === 'NOT_FOUND' ? 'not_found' : err.code === 'NOT_PERMITTED' ? 'refused' : 'error';
        await recordInquiry({ ...rec, outcome, remoteCode: err.remoteCode ?? err.code });
      }
      throw asFailure(err);
    }
  }

  function compareIdentity(applicant: Applicant, id: IdentityInfo): string[] {
    const out: string[] = [];
    if (applicant.nameKanji !== id.nameKanji) out.push('nameKanji');
    if (applicant.nameKana !== id.nameKana) out.push('nameKana');
    if (applicant.birthDate !== id.birthDate) out.push('birthDate');
    if (applicant.sex !== id.sex) out.push('sex');
    if (applicant.postalCode !== id.postalCode) out.push('postalCode');
    if (applicant.address.replace(/\s/g, '') !== id.address.replace(/\s/g, '')) out.push('address');
    return out;
  }

  /** What 住基ネット should say: the application, or for later cases the entry with the requested changes. */
  async function expectedIdentity(row: CaseRow): Promise<Applicant> {
    if (row.type === 'registration') return applicantOf(row);
    const [r] = await query<Record<string, string>>(db,
      `SELECT name_kanji, name_kana, DATE_FORMAT(birth_date, '%Y-%m-%d') AS birth_date, sex, postal_code, address, phone, email, honseki
         FROM registrants WHERE registrant_id = ?`, { replacements: [row.registrant_id], type: QueryTypes.SELECT });
    if (!r) throw nonRetryable('REGISTRANT_NOT_FOUND', 'the registrant of this case does not exist');
    const changes = ((parseJson(row.details) ?? {}) as { changes?: Partial<Applicant> }).changes ?? {};
    return { nameKanji: r.name_kanji, nameKana: r.name_kana, birthDate: r.birth_date, sex: r.sex as Applicant['sex'], postalCode: r.postal_code,
      address: r.address, phone: r.phone, email: r.email, honseki: r.honseki, ...changes };
  }

  async function institutionCode(row: CaseRow, pseudonymId: string): Promise<string> {
    const [known] = await query<{ institution_code: string }>(db,
      'SELECT institution_code FROM institution_codes WHERE pseudonym_id = ?', { replacements: [pseudonymId], type: QueryTypes.SELECT });
    if (known) return known.institution_code;
    const myNumber = await vault.reveal(pseudonymId, { actor: SYSTEM_ACTOR, purpose: PURPOSE_HONSEKI, caseId: row.case_id });
    const code = await callRemote({ remote: 'chukan', operation: 'obtainInstitutionCode', purpose: PURPOSE_HONSEKI, caseId: row.case_id, pseudonymId },
      () => deps.chukan.obtainInstitutionCode(myNumber, remoteContext(PURPOSE_HONSEKI)));
    await query(db, 'INSERT IGNORE INTO institution_codes (pseudonym_id, institution_code, obtained_at) VALUES (?, ?, ?)',
      { replacements: [pseudonymId, code, sqlTime()] });
    return code;
  }

  /**
   * The 資格仮名ID a registration's new entry gets: the applicant's, unless that person's entry has
   * ended (erased on application or by a returned license, or revoked after a return order) — then
   * the vault gives the person a new one and the old entry keeps its own (R1.4: kept, not reused).
   * A person whose entry was erased for death is never registered again (intake refuses it first).
   * Runs before the registration's transaction: the vault has its own connection and is idempotent.
   */
  async function entryIdForRegistration(row: CaseRow): Promise<string | null> {
    if (row.type !== 'registration' || row.registrant_id || !row.pseudonym_id) return row.pseudonym_id;
    let id = row.pseudonym_id;
    for (let generation = 0; generation < 100; generation++) {
      const [entry] = await query<ErasureState>(db,
        'SELECT qualification_status, erasure_event, erasure_reason FROM registrants WHERE registrant_id = ?',
        { replacements: [id], type: QueryTypes.SELECT });
      if (!entry || !isEndedEntry(entry)) {
        if (entry && isDeceasedEntry(entry)) throw nonRetryable('DECEASED', 'the registrant file records this person as deceased');
        return id; // a new person, or one still registered (refused below as ALREADY_REGISTERED)
      }
      id = (await vault.supersede(id, { actor: SYSTEM_ACTOR, purpose: PURPOSE_REREGISTRATION, caseId: row.case_id })).pseudonymId;
    }
    throw nonRetryable('TOO_MANY_ENTRIES', 'this person has too many earlier entries');
  }

  /**
   * Status changes of one case, in one transaction: each recorded once by its transition key (a
   * retried activity finds its rows and changes, audits and notifies nothing twice), the case's
   * status set to the last one, and the notices that go with them; their mail jobs once committed.
   */
  async function recordStatuses(caseId: string, changes: StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    const info = workflowRun();
    const mails = await transaction(db, async (t) => {
      const out: { noticeId: string }[] = [];
      let latest: string | undefined;
      for (const { status, seq, note, audit: audited, notify } of changes) {
        const [, inserted] = await query(db,
          'INSERT IGNORE INTO case_history (case_id, status, note, transition_key, at) VALUES (?, ?, ?, ?, ?)',
          { replacements: [caseId, status, note?.slice(0, 500) ?? null, `${info.runId}:${seq}`, sqlTime()], transaction: t, type: QueryTypes.INSERT });
        if (Number(inserted) === 1) {
          latest = status;
          // With the transition it records: a retried activity finds the row and audits nothing twice.
          if (audited) {
            await audit.append({ actor: SYSTEM_ACTOR, action: audited.action, purpose: '受理・登録の拒否（登録者ファイルの状態による）', targetType: 'case',
              targetId: caseId, outcome: 'denied', detail: { status, reason: note ?? null } }, t);
          }
        }
        // The notice in the same transaction (idempotent by its key).
        const mail = notify ? await writeNotice(caseId, notify.kind, notify.reason, t) : undefined;
        if (mail) out.push(mail);
      }
      if (latest) await query(db, 'UPDATE cases SET status = ?, updated_at = ? WHERE case_id = ?', { replacements: [latest, sqlTime(), caseId], transaction: t });
      return out;
    });
    for (const mail of mails) await enqueueMail(mail);
  }
  const recordStatus = ({ caseId, ...change }: RecordStatusInput) => recordStatuses(caseId, [change]);

  /**
   * `work` with the steps around it (StatusSteps): the review decision and the payment that came
   * before it, the status changes before it, then those after it, only once it succeeded. Each step
   * is idempotent, so a retry of the whole activity repeats none of them.
   */
  async function withSteps<T>(caseId: string, steps: StatusSteps, work: () => Promise<T>): Promise<T> {
    if (steps.task) await activities.updateReviewTask(steps.task);
    if (steps.settle) await activities.settlePayment(steps.settle);
    await recordStatuses(caseId, steps.before ?? []);
    const result = await work();
    await recordStatuses(caseId, steps.after ?? []);
    return result;
  }

  const activities: CaseActivitiesWithPurge = {
    recordStatus,

    async verifyIdentity({ caseId }: CaseRef) {
      const row = await loadCase(caseId);
      if (row.channel !== 'mynaportal') return { outcome: 'documents', discrepancies: [] };
      const pseudonymId = await assertInquiryAllowed(row, 'juki', 'immediateInquiry', PURPOSE_IDENTITY);
      const myNumber = await vault.reveal(pseudonymId, { actor: SYSTEM_ACTOR, purpose: PURPOSE_IDENTITY, caseId });
      let identity: IdentityInfo;
      try {
        identity = await callRemote({ remote: 'juki', operation: 'immediateInquiry', purpose: PURPOSE_IDENTITY, caseId, pseudonymId },
          () => deps.juki.immediateInquiry(myNumber, remoteContext(PURPOSE_IDENTITY)));
      } catch (err) {
        // No resident with this number (mistyped, or not resident in Japan): a finding the reviewer
        // decides on (return for correction, reject), not a failure of the case.
        if (!isNotFound(err)) throw err;
        await keepResult(caseId, 'identity', { status: 'not_found' });
        return { outcome: 'not_found', discrepancies: [] };
      }
      const discrepancies = compareIdentity(await expectedIdentity(row), identity);
      // The reviewer sees the registry's values next to the application's; kept until the retention ends.
      await keepResult(caseId, 'identity', { ...identity, discrepancies });
      if (identity.dead) return { outcome: 'deceased', discrepancies };
      return { outcome: discrepancies.length ? 'mismatch' : 'match', discrepancies };
    },

    async checkHonseki({ caseId }: CaseRef) {
      const row = await loadCase(caseId);
      const wanted = row.type === 'registration' ? applicantOf(row).honseki
        : ((parseJson(row.details) ?? {}) as { changes?: { honseki?: string } }).changes?.honseki;
      if (!wanted) return { outcome: 'not_applicable' }; // only a registration or a change of 本籍 asks the 中間サーバー
      if (row.channel !== 'mynaportal') return { outcome: 'documents' };
      const pseudonymId = await assertInquiryAllowed(row, 'chukan', 'inquireHonseki', PURPOSE_HONSEKI);
      let result: HonsekiResult | { status: 'undeterminable' };
      try {
        const code = await institutionCode(row, pseudonymId);
        result = await callRemote({ remote: 'chukan', operation: 'inquireHonseki', purpose: PURPOSE_HONSEKI, caseId, pseudonymId },
          () => deps.chukan.inquireHonseki(code, remoteContext(PURPOSE_HONSEKI)), (r) => r.permitId);
      } catch (err) {
        // The 中間サーバー knows no such person: the 本籍 cannot be determined from it (a certificate can).
        if (!isNotFound(err)) throw err;
        result = { status: 'undeterminable' };
      }
      if (result.status === 'undeterminable') {
        await keepResult(caseId, 'honseki', { status: 'undeterminable' });
        // Once the applicant has attached a certificate (戸籍個人事項証明書), the reviewer reads it.
        const [att] = await query<{ n: number }>(db, "SELECT COUNT(*) AS n FROM documents WHERE case_id = ? AND kind = 'attachment'",
          { replacements: [caseId], type: QueryTypes.SELECT });
        return { outcome: Number(att?.n) > 0 ? 'documents' : 'undeterminable' };
      }
      await keepResult(caseId, 'honseki', { status: 'determined', honseki: result.honseki });
      return { outcome: result.honseki === wanted ? 'match' : 'changed' };
    },

    async checkEligibility({ caseId }: CaseRef) {
      const row = await loadCase(caseId);
      if (row.type !== 'registration') {
        // Later cases: the entry must exist and not be erased; its state is shown to the reviewer.
        const [r] = await query<{ qualification_status: string; suspended_until: string | null }>(db,
          "SELECT qualification_status, DATE_FORMAT(suspended_until, '%Y-%m-%d') AS suspended_until FROM registrants WHERE registrant_id = ?",
          { replacements: [row.registrant_id], type: QueryTypes.SELECT });
        const notes = !r ? ['registrant_not_found'] : r.qualification_status === 'active' ? [] : [`registrant_${r.qualification_status}`];
        return { passerFound: !!r, passerMatches: !!r && r.qualification_status !== 'erased', returnOrderWithinYear: false, notes };
      }
      const applicant = applicantOf(row);
      const notes: string[] = [];
      const [passer] = row.passer_number ? await query<{ name_kanji: string; name_kana: string; birth_date: string }>(db,
        "SELECT name_kanji, name_kana, DATE_FORMAT(birth_date, '%Y-%m-%d') AS birth_date FROM passers WHERE passer_number = ?",
        { replacements: [row.passer_number], type: QueryTypes.SELECT }) : [];
      if (!passer) notes.push('passer_not_found');
      const passerMatches = !!passer && passer.name_kana === applicant.nameKana && passer.birth_date === applicant.birthDate;
      if (passer && !passerMatches) notes.push('passer_details_differ');
      if (passer && passer.name_kanji !== applicant.nameKanji) notes.push('passer_name_kanji_differs');
      const registered = await query<ErasureState & { erased_at: Date | null; ban_until: string | null }>(db,
        `SELECT qualification_status, erasure_event, erasure_reason, erased_at, DATE_FORMAT(ban_until, '%Y-%m-%d') AS ban_until FROM registrants
          WHERE passer_number = ? OR registrant_id = ? OR (name_kana = ? AND birth_date = ?)`,
        { replacements: [row.passer_number ?? '', row.pseudonym_id ?? '', applicant.nameKana, applicant.birthDate], type: QueryTypes.SELECT });
      if (registered.some((r) => r.qualification_status === 'active' || r.qualification_status === 'suspended')) notes.push('already_registered');
      // Matched by name and birth date only (paper, e-Gov): the reviewer decides whether it is the same person.
      if (registered.some(isDeceasedEntry)) notes.push('registered_entry_deceased');
      const yearAgo = Date.now() - 365 * 86_400_000;
      const returnOrderWithinYear = registered.some((r) => (r.ban_until !== null && r.ban_until >= todayInTokyo())
        || (r.erasure_event === 'return_order' && r.erased_at && new Date(r.erased_at).getTime() > yearAgo));
      if (returnOrderWithinYear) notes.push('return_order_within_year');
      return { passerFound: !!passer, passerMatches, returnOrderWithinYear, notes };
    },

    async openReviewTask({ caseId, taskId, kind, dueBusinessDays, findings }) {
      // Due at the end of the n-th administrative business day after today (Japan time).
      const dueDay = addBusinessDays(todayInTokyo(), dueBusinessDays);
      const dueAt = new Date(`${dueDay}T23:59:59.999+09:00`);
      const now = sqlTime();
      const [, inserted] = await query(db,
        `INSERT IGNORE INTO review_tasks (task_id, case_id, kind, status, due_at, findings, created_at, updated_at)
         VALUES (?, ?, ?, 'open', ?, ?, ?, ?)`,
        { replacements: [taskId, caseId, kind, sqlTime(dueAt), JSON.stringify(findings satisfies CheckFindings), now, now], type: QueryTypes.INSERT });
      if (Number(inserted) === 1) return { dueAt: dueAt.toISOString() };
      // A retry: the task as first stored (its due date may have been counted on an earlier day).
      const [row] = await query<{ due_at: Date }>(db, 'SELECT due_at FROM review_tasks WHERE task_id = ?',
        { replacements: [taskId], type: QueryTypes.SELECT });
      return { dueAt: new Date(row.due_at).toISOString() };
    },

    async updateReviewTask({ taskId, status, actor, decision, reason }) {
      await transaction(db, async (t) => {
        const now = sqlTime();
        if (status === 'claimed') {
          await query(db, "UPDATE review_tasks SET status = IF(status = 'escalated', status, 'claimed'), assignee = ?, updated_at = ? WHERE task_id = ? AND status IN ('open', 'claimed', 'escalated')",
            { replacements: [actor ?? null, now, taskId], transaction: t });
        } else if (status === 'decided') {
          const [, changed] = await query(db, "UPDATE review_tasks SET status = 'decided', decision = ?, decision_reason = ?, decided_by = ?, decided_at = ?, updated_at = ? WHERE task_id = ? AND status <> 'decided'",
            { replacements: [decision ?? null, reason?.slice(0, 1000) ?? null, actor ?? null, now, now, taskId], transaction: t, type: QueryTypes.UPDATE });
          // Decided already: a retry (the decision travels with the next step since PATCH_FUSED_STEPS) audits nothing twice.
          if (Number(changed) === 0) return;
        } else {
          await query(db, "UPDATE review_tasks SET status = ?, updated_at = ? WHERE task_id = ? AND status NOT IN ('decided', 'cancelled')",
            { replacements: [status, now, taskId], transaction: t });
        }
        await audit.append({ actor: actor ?? SYSTEM_ACTOR, action: `review_task.${status}`, purpose: '審査', targetType: 'review_task',
          targetId: taskId, outcome: 'ok', detail: decision ? { decision, key: runKey() } : { key: runKey() } }, t);
      });
    },

    async createPayment({ caseId, paymentId, method, amount }) {
      const row = await loadCase(caseId);
      const now = sqlTime();
      await query(db,
        `INSERT IGNORE INTO payments (payment_id, case_id, category, method, kind, amount, status, idempotency_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'income', ?, 'pending', ?, ?, ?)`,
        { replacements: [paymentId, caseId, row.type, method, amount, `payment:${paymentId}`, now, now] });
      if (method !== 'online') return { checkoutUrl: null };
      let checkout;
      try {
        checkout = await deps.payments.createCheckout({ caseId, amount, category: row.type,
          callbackUrl: `${deps.publicBaseUrl.replace(/\/+$/, '')}/api/v1/payments/webhook`, idempotencyKey: `case-${caseId}:checkout:${paymentId}` });
      } catch (err) {
        throw asFailure(err);
      }
      await query(db, 'UPDATE payments SET external_ref = ?, checkout_url = ?, updated_at = ? WHERE payment_id = ?',
        { replacements: [checkout.paymentId, checkout.checkoutUrl, sqlTime(), paymentId] });
      return { checkoutUrl: checkout.checkoutUrl };
    },

    async settlePayment({ caseId, paymentId, outcome, amount, externalRef, actor, reason }) {
      const [pay] = await query<{ status: string; method: string; amount: number; external_ref: string | null; category: string }>(db,
        'SELECT status, method, amount, external_ref, category FROM payments WHERE payment_id = ?',
        { replacements: [paymentId], type: QueryTypes.SELECT });
      if (!pay) throw nonRetryable('PAYMENT_NOT_FOUND', `payment ${paymentId} does not exist`);
      if (outcome === 'refunded') {
        if (pay.status !== 'paid' && pay.status !== 'refunded') return;
        const refundAmount = amount ?? pay.amount;
        const refundId = derivedId(`refund:${paymentId}`);
        let refundRef: string | null = null;
        if (pay.method === 'online' && pay.external_ref) {
          try {
            refundRef = (await deps.payments.refund({ paymentId: pay.external_ref, amount: refundAmount, reason: reason ?? 'withdrawal',
              idempotencyKey: `refund:${paymentId}` })).refundId;
          } catch (err) {
            throw asFailure(err);
          }
        }
        await transaction(db, async (t) => {
          const now = sqlTime();
          // Revenue stamps are refunded by the clerk's office (還付): recorded as due until then.
          await query(db,
            `INSERT IGNORE INTO payments (payment_id, case_id, category, method, kind, amount, status, external_ref, idempotency_key, confirmed_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'refund', ?, ?, ?, ?, ?, ?, ?)`,
            { replacements: [refundId, caseId, pay.category, pay.method, refundAmount, refundRef ? 'refunded' : 'refund_due', refundRef,
              `refund:${paymentId}`, now, now, now], transaction: t });
          await query(db, "UPDATE payments SET status = 'refunded', updated_at = ? WHERE payment_id = ?", { replacements: [now, paymentId], transaction: t });
          await audit.append({ actor: actor ?? SYSTEM_ACTOR, action: 'payment.refund', purpose: '手数料の還付', targetType: 'payment',
            targetId: paymentId, outcome: 'ok', detail: { caseId, amount: refundAmount, ...(reason ? { reason } : {}) } }, t);
        });
        return;
      }
      // Recorded already (a retried step): the payment and its audit entry stand as they are.
      if (outcome === 'paid' && pay.status === 'paid') return;
      await transaction(db, async (t) => {
        const now = sqlTime();
        if (outcome === 'paid') {
          await query(db, "UPDATE payments SET status = 'paid', amount = ?, external_ref = COALESCE(?, external_ref), confirmed_at = COALESCE(confirmed_at, ?), updated_at = ? WHERE payment_id = ? AND status IN ('pending', 'paid', 'expired', 'cancelled')",
            { replacements: [amount ?? pay.amount, pay.method === 'online' ? null : externalRef ?? null, now, now, paymentId], transaction: t });
        } else {
          await query(db, "UPDATE payments SET status = ?, updated_at = ? WHERE payment_id = ? AND status = 'pending'",
            { replacements: [outcome, now, paymentId], transaction: t });
        }
        await audit.append({ actor: actor ?? SYSTEM_ACTOR, action: `payment.${outcome}`, purpose: '手数料の収納', targetType: 'payment',
          targetId: paymentId, outcome: 'ok', detail: { caseId, amount: amount ?? pay.amount, method: pay.method } }, t);
      });
    },

    async registerRegistrant({ caseId }: CaseRef) {
      const entryId = await entryIdForRegistration(await loadCase(caseId));
      return transaction(db, async (t) => {
        const row = await loadCase(caseId, t, true);
        if (row.type !== 'registration') {
          try {
            return await applyCaseToRegistry(db, audit, { ...row, details: parseJson(row.details) }, t);
          } catch (err) {
            if (err instanceof RegistryChangeError) throw nonRetryable(err.code, err.message);
            throw err;
          }
        }
        if (row.registrant_id) {
          const [done] = await query<{ license_number: string }>(db, 'SELECT license_number FROM registrants WHERE registrant_id = ?',
            { replacements: [row.registrant_id], type: QueryTypes.SELECT, transaction: t });
          if (done) return { registrantId: row.registrant_id, licenseNumber: done.license_number };
        }
        const registrantId = entryId ?? derivedId(`registrant:${caseId}`);
        const [existing] = await query<{ registrant_id: string }>(db, 'SELECT registrant_id FROM registrants WHERE registrant_id = ?',
          { replacements: [registrantId], type: QueryTypes.SELECT, transaction: t });
        if (existing) throw nonRetryable('ALREADY_REGISTERED', 'this person is already in the registrant file');
        const [seqId, taken] = await query(db, 'INSERT IGNORE INTO license_number_seq (case_id) VALUES (?)',
          { replacements: [caseId], transaction: t, type: QueryTypes.INSERT });
        // The number this case drew: the new row's, or on a retry the row it drew before.
        const [seqRow] = Number(taken) === 1 ? [{ id: Number(seqId) }] : await query<{ id: number }>(db, 'SELECT id FROM license_number_seq WHERE case_id = ?',
          { replacements: [caseId], type: QueryTypes.SELECT, transaction: t });
        const licenseNumber = String(seqRow.id).padStart(8, '0');
        const a = applicantOf(row);
        const [honsekiResult] = await query<{ result: { status: string; honseki?: string } | string | null }>(db,
          "SELECT result FROM inquiry_results WHERE case_id = ? AND kind = 'honseki'", { replacements: [caseId], type: QueryTypes.SELECT, transaction: t });
        const determined = parseJson(honsekiResult?.result ?? null);
        const honseki = determined && typeof determined === 'object' && determined.honseki ? determined.honseki : a.honseki;
        const now = sqlTime();
        await query(db,
          `INSERT INTO registrants (registrant_id, portal_pseudonym_id, qualification_status, honseki, passer_number, license_number,
             name_kanji, name_kana, postal_code, phone, address, birth_date, license_issued_on, sex, email, created_at, updated_at)
           VALUES (?, NULL, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          { replacements: [registrantId, honseki, row.passer_number ?? '', licenseNumber, a.nameKanji, a.nameKana, a.postalCode, a.phone,
            a.address, a.birthDate, todayInTokyo(), a.sex, a.email, now, now], transaction: t });
        if (entryId && row.pseudonym_id && entryId !== row.pseudonym_id) {
          // A re-registration: the 機関別符号 belongs to the person, not to the entry (R5.2), so the new
          // 資格仮名ID keeps it and no new code is asked of the 中間サーバー.
          await query(db, `INSERT IGNORE INTO institution_codes (pseudonym_id, institution_code, obtained_at)
                          SELECT ?, institution_code, obtained_at FROM institution_codes WHERE pseudonym_id = ?`,
          { replacements: [entryId, row.pseudonym_id], transaction: t });
        }
        // A re-registration's case now refers to the new 資格仮名ID (the old one stays with the erased entry).
        await query(db, 'UPDATE cases SET registrant_id = ?, pseudonym_id = COALESCE(?, pseudonym_id), updated_at = ? WHERE case_id = ?',
          { replacements: [registrantId, entryId, now, caseId], transaction: t });
        await audit.append({ actor: SYSTEM_ACTOR, action: 'registrant.register', purpose: '登録者ファイルへの登録', targetType: 'registrant',
          targetId: registrantId, outcome: 'ok', detail: { caseId, licenseNumber } }, t);
        return { registrantId, licenseNumber };
      });
    },

    async produceLicense({ caseId, registrantId }) {
      const [r] = await query<{ license_number: string; name_kanji: string; name_kana: string; birth_date: string; issued: string;
        reissue_count: number; reissued_on: string | null; license_edition: number }>(db,
        `SELECT license_number, name_kanji, name_kana, DATE_FORMAT(birth_date, '%Y-%m-%d') AS birth_date,
                DATE_FORMAT(license_issued_on, '%Y-%m-%d') AS issued, reissue_count,
                DATE_FORMAT(reissued_on, '%Y-%m-%d') AS reissued_on, license_edition
           FROM registrants WHERE registrant_id = ?`, { replacements: [registrantId], type: QueryTypes.SELECT });
      if (!r) throw nonRetryable('REGISTRANT_NOT_FOUND', `registrant ${registrantId} does not exist`);
      const documentId = derivedId(`license:${caseId}:${r.license_edition}`);
      // Rendered only when not stored yet: a retry after the PDF was stored finds it.
      const doc = await deps.documents.ensure({ documentId, kind: 'license_pdf', contentType: 'application/pdf', caseId, registrantId }, async () => {
        const qr = deps.licenseQr ? await deps.licenseQr(registrantId) : undefined;
        return renderSlot(() => renderLicensePdf({
          licenseNumber: r.license_number, nameKanji: r.name_kanji, nameKana: r.name_kana, birthDate: r.birth_date,
          issueDate: r.reissued_on ?? r.issued, reissue: r.reissue_count > 0 && r.reissued_on ? { count: r.reissue_count, date: r.reissued_on } : undefined,
          qr, creationDate: new Date(`${r.issued}T00:00:00+09:00`),
        }));
      });
      return { documentId: doc.documentId, sha256: doc.sha256 };
    },

    async enqueuePrintJob({ caseId, documentId }) {
      await query(db, "UPDATE documents SET print_status = COALESCE(print_status, 'queued') WHERE document_id = ?", { replacements: [documentId] });
      // The job ID is the document: a retried activity does not print twice.
      await deps.queues.print.add({ documentId, caseId }, { jobId: `print-${documentId}` });
    },

    async notifyApplicant({ caseId, kind, reason }) {
      const mail = await writeNotice(caseId, kind, reason);
      if (mail) await enqueueMail(mail);
    },

    /** Empties inquiry results whose retention has ended (R4.6): the same purge as the worker's timer. */
    async purgeInquiryResults({ now }) {
      return purgeExpiredInquiryResults(db, audit, { now: now ? new Date(now) : undefined });
    },
  };
  // The activities a case asks to do the steps around their own work (PATCH_FEWER_STEPS, PATCH_FUSED_STEPS).
  return {
    ...activities,
    checkEligibility: (i) => withSteps(i.caseId, i, () => activities.checkEligibility(i)),
    openReviewTask: (i) => withSteps(i.caseId, i, () => activities.openReviewTask(i)),
    createPayment: (i) => withSteps(i.caseId, i, () => activities.createPayment(i)),
    registerRegistrant: (i) => withSteps(i.caseId, i, () => activities.registerRegistrant(i)),
    produceLicense: (i) => withSteps(i.caseId, i, async () => {
      const doc = await activities.produceLicense(i);
      if (i.print) await activities.enqueuePrintJob({ caseId: i.caseId, documentId: doc.documentId });
      return doc;
    }),
    enqueuePrintJob: (i) => withSteps(i.caseId, i, () => activities.enqueuePrintJob(i)),
  };
}
