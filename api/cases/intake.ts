/**
 * Intake of an application (受付): POST /api/v1/cases.
 *
 * Idempotent per (caller, Idempotency-Key): the request hash is taken over the normalised body
 * with the My Number replaced by its blind index, so the hash can be stored and compared without
 * the number. The order survives a crash at any point:
 *   1. the My Number goes into the vault (the same person gets the same 資格仮名ID — the newest one
 *      when an earlier entry has ended: activities/case.ts gives a re-registration its own), and
 *      what no review could approve is refused (intake-checks.ts: a deceased person, a found
 *      license that was never replaced by a reissue, a later case for an erased entry),
 *   2. the case row is inserted — the unique (created_by, idempotency_key) decides a race,
 *   3. attachments are stored under IDs derived from the case,
 *   4. the answer is sent, and the workflow `case-<caseId>` started right after, in the background
 *      (REJECT_DUPLICATE: never a second run): the applicant waits for the commit, not for Temporal.
 * A start that fails or is lost with the process is made by a retry of the request (which finds
 * the row and starts the workflow before answering), by an action on the case that needs its
 * workflow (`ensureCaseWorkflow`), or by the worker's case starter (worker/case-starter.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import type { Actor } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { sqlTime } from '../../db/connection';
import { derivedId } from '../../db/documents';
import type { CaseType, Channel, PaymentMethod } from '../../workflows/case/model';
import { checkFoundLicenseReturn, refuseDeceasedRegistration, refuseLaterCase } from './intake-checks';
import { ServerTiming } from '../server-timing';
import type { CaseRecord } from './read';
import type { CreateCaseBody } from './schemas';
import { startCaseWorkflow, startInBackground } from './start-workflow';
import { query, transaction } from '../../db/query';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/** JSON with sorted keys, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function checkIdempotencyKey(key: string | undefined): string {
  if (!key) throw new AppError('VALIDATION_FAILED', 'the Idempotency-Key header is required');
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('VALIDATION_FAILED', 'the Idempotency-Key header must be 1-128 letters, digits or . _ : -');
  }
  return key;
}

interface ExistingCase {
  case_id: string;
  request_hash: string;
  status: string;
  type: CaseType;
  channel: Channel;
  payment_method: PaymentMethod;
  created_at: Date;
}

export interface IntakeResult {
  caseId: string;
  type: CaseType;
  channel: Channel;
  status: string;
  createdAt: string;
  replayed: boolean;
}

export async function intakeCase(deps: ApiDeps, actor: Actor, idempotencyKey: string, body: CreateCaseBody,
  timing = new ServerTiming(false)): Promise<IntakeResult> {
  const { db, services } = deps;
  const { myNumber, ...applicant } = body.applicant ?? {};
  const hashInput = { ...body, applicant: { ...applicant, myNumber: myNumber ? services.vault.blindIndex(myNumber).toString('hex') : null } };
  const requestHash = createHash('sha256').update(canonicalJson(hashInput)).digest('hex');

  const findExisting = async () => {
    const [row] = await query<ExistingCase>(db,
      `SELECT case_id, request_hash, status, type, channel, payment_method, created_at FROM cases
        WHERE created_by = ? AND idempotency_key = ?`,
      { replacements: [actor.username, idempotencyKey], type: QueryTypes.SELECT });
    return row;
  };
  const replay = async (row: ExistingCase): Promise<IntakeResult> => {
    if (row.request_hash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body');
    }
    await ensureCaseWorkflow(deps, row);
    return { caseId: row.case_id, type: row.type, channel: row.channel, status: row.status,
      createdAt: new Date(row.created_at).toISOString(), replayed: true };
  };

  const existing = await timing.time('db', findExisting);
  if (existing) return replay(existing);

  const caseId = randomUUID();
  const purpose = '免状申請の受付';
  let pseudonymId: string | null = null;
  if (body.type === 'registration') {
    pseudonymId = myNumber ? (await timing.time('vault', () => services.vault.store(myNumber, { actor: actor.username, purpose, caseId }))).pseudonymId : null;
    await timing.time('db', () => refuseDeceasedRegistration(db, { pseudonymId, passerNumber: body.passerNumber }));
  } else {
    const [reg] = await query<{ registrant_id: string; qualification_status: string }>(db,
      'SELECT registrant_id, qualification_status FROM registrants WHERE registrant_id = ?',
      { replacements: [body.registrantId], type: QueryTypes.SELECT });
    if (!reg) throw new AppError('NOT_FOUND', 'no such registrant');
    if (myNumber) {
      // On マイナポータル the applicant proves who they are: their number must be the registrant's.
      const own = await services.vault.lookup(myNumber, { actor: actor.username, purpose, caseId });
      if (own !== body.registrantId) throw new AppError('FORBIDDEN', 'the applicant is not this registrant');
      pseudonymId = own;
    }
    // After the ownership check: whether someone else's entry has ended is not theirs to learn.
    refuseLaterCase(body.type, reg);
    if (body.type === 'return' && body.event === 'found_after_reissue') await checkFoundLicenseReturn(db, reg.registrant_id, body.licenseEdition!);
  }
  const details = body.type === 'registration' ? { attachments: (body.attachments ?? []).length }
    : { attachments: (body.attachments ?? []).length, reason: body.reason, changes: body.changes, reissueReason: body.reissueReason, event: body.event,
      licenseEdition: body.licenseEdition };
  const now = new Date();
  try {
    await timing.time('db', () => transaction(db, async (t) => {
      await db.query(
        `INSERT INTO cases (case_id, type, channel, status, idempotency_key, request_hash, pseudonym_id, registrant_id, passer_number,
            applicant, details, payment_method, created_by, created_at, updated_at)
         VALUES (?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        { replacements: [caseId, body.type, body.channel, idempotencyKey, requestHash, pseudonymId, body.registrantId ?? null, body.passerNumber ?? null,
          JSON.stringify(applicant), JSON.stringify(details), body.payment.method,
          actor.username, sqlTime(now), sqlTime(now)], transaction: t });
      await services.audit.append({ actor: actor.username, action: 'case.create', purpose, targetType: 'case', targetId: caseId,
        outcome: 'ok', detail: { type: body.type, channel: body.channel, pseudonymId } }, t);
    }));
  } catch (err) {
    if (err instanceof UniqueConstraintError) {
      const raced = await findExisting(); // the same key arrived twice at once: the first one won
      if (raced) return replay(raced);
    }
    throw err;
  }
  await timing.time('documents', () => storeAttachments(deps, caseId, body.attachments ?? [], 'intake'));
  startInBackground(() => startWorkflow(deps, caseId, body.type, body.channel, body.payment.method),
    (err) => deps.logger.warn({ caseId, err: { name: err.name, message: err.message } }, 'workflow start failed; the case starter will make it'));
  return { caseId, type: body.type, channel: body.channel, status: 'received', createdAt: now.toISOString(), replayed: false };
}

export async function storeAttachments(deps: ApiDeps, caseId: string, attachments: CreateCaseBody['attachments'] & object, round: string) {
  for (const [i, a] of attachments.entries()) {
    await deps.services.documents.put({ documentId: derivedId(`attachment:${caseId}:${round}:${i}`), kind: 'attachment',
      contentType: a.contentType, bytes: Buffer.from(a.dataBase64, 'base64'), caseId });
  }
}

/**
 * Makes sure a case that is still `received` has its workflow before answering: a retried intake,
 * or an action that needs the workflow (a withdrawal can arrive before intake's background start).
 */
export async function ensureCaseWorkflow(deps: ApiDeps, row: Pick<CaseRecord, 'case_id' | 'status' | 'type' | 'channel' | 'payment_method'>) {
  if (row.status === 'received') await startWorkflow(deps, row.case_id, row.type as CaseType, row.channel as Channel, row.payment_method as PaymentMethod);
}

export async function startWorkflow(deps: ApiDeps, caseId: string, type: CaseType, channel: Channel, paymentMethod: PaymentMethod) {
  await startCaseWorkflow(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, deps.services.caseSettings, { caseId, type, channel, paymentMethod });
}
