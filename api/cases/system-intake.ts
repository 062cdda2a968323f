/**
 * Cases the system files itself (no applicant at a keyboard): a deletion after a death notice
 * found by the yearly reconciliation, a correction after a registry change, a disposition.
 * Idempotent per (filer, key) exactly like POST /api/v1/cases, so a retried activity or a
 * resumed reconciliation never files the same case twice. The workflow is started at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import type { AuditLog } from '../../db/audit';
import { sqlTime } from '../../db/connection';
import type { CaseSettings, CaseType } from '../../workflows/case/model';
import { canonicalJson } from './intake';
import { startCaseWorkflow } from './start-workflow';

export interface SystemCaseDeps {
  db: Sequelize;
  audit: AuditLog;
  temporal: Client;
  taskQueue: string;
  caseSettings(type: CaseType): CaseSettings;
}

export interface SystemCaseInput {
  type: Exclude<CaseType, 'registration'>;
  registrantId: string;
  /** e.g. 'system:reconciliation' — recorded as the case's creator. */
  filedBy: string;
  /** Unique per intended case, e.g. `recon:<runId>:<registrantId>:death`. */
  key: string;
  reason: string;
  /** Type-specific data (e.g. `{ event: 'death', date }`); no My Number. */
  details?: Record<string, unknown>;
}

export async function fileSystemCase(deps: SystemCaseDeps, input: SystemCaseInput): Promise<{ caseId: string; created: boolean }> {
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex');
  const find = async () => (await deps.db.query<{ case_id: string; status: string }>(
    'SELECT case_id, status FROM cases WHERE created_by = ? AND idempotency_key = ?',
    { replacements: [input.filedBy, input.key], type: QueryTypes.SELECT }))[0];
  let row = await find();
  let created = false;
  if (!row) {
    const [reg] = await deps.db.query<{ registrant_id: string }>('SELECT registrant_id FROM registrants WHERE registrant_id = ?',
      { replacements: [input.registrantId], type: QueryTypes.SELECT });
    if (!reg) throw new Error(`registrant ${input.registrantId} does not exist`);
    const caseId = randomUUID();
    try {
      await deps.db.transaction(async (t) => {
        const now = sqlTime();
        await deps.db.query(
          `INSERT INTO cases (case_id, type, channel, status, idempotency_key, request_hash, pseudonym_id, registrant_id, passer_number,
              applicant, details, payment_method, created_by, created_at, updated_at)
           VALUES (?, ?, 'system', 'received', ?, ?, NULL, ?, NULL, '{}', ?, 'revenue_stamp', ?, ?, ?)`,
          { replacements: [caseId, input.type, input.key, hash, input.registrantId,
            JSON.stringify({ reason: input.reason, ...input.details }), input.filedBy, now, now], transaction: t });
        await deps.audit.append({ actor: input.filedBy, action: 'case.create', purpose: input.reason.slice(0, 200), targetType: 'case',
          targetId: caseId, outcome: 'ok', detail: { type: input.type, registrantId: input.registrantId, channel: 'system' } }, t);
      });
      created = true;
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
    }
    row = (await find())!;
  }
  if (row.status === 'received') {
    await startCaseWorkflow(deps.temporal, deps.taskQueue, deps.caseSettings,
      { caseId: row.case_id, type: input.type, channel: 'system', paymentMethod: 'revenue_stamp' });
  }
  return { caseId: row.case_id, created };
}
