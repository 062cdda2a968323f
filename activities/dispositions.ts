/**
 * Effects of a decided disposition on the registrant file, each applied once per case
 * (`registry_changes` primary key) in one transaction with its audit entry:
 * warning → appended to the entry's 警告 item (kept as history); suspension → `suspended` until
 * its end date; return order → `revoked` with the return reason and the 1-year ban (ban_until).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { AuditLog } from '../db/audit';
import { sqlTime } from '../db/connection';
import { addDays, todayInTokyo } from '../domain/iso-date';
import type { DispositionActivities } from '../workflows/disposition/model';

interface DispositionRow {
  disposition_id: string;
  registrant_id: string;
  kind: 'warning' | 'suspension' | 'return_order';
  reason: string;
  effective_until: string | null;
  proposed_by: string;
}

export function createDispositionActivities(deps: { db: Sequelize; audit: AuditLog }): DispositionActivities {
  const { db, audit } = deps;
  const load = async (caseId: string, t?: Transaction): Promise<DispositionRow> => {
    const [d] = await db.query<DispositionRow>(
      `SELECT disposition_id, registrant_id, kind, reason, DATE_FORMAT(effective_until, '%Y-%m-%d') AS effective_until, proposed_by
         FROM dispositions WHERE case_id = ?${t ? ' FOR UPDATE' : ''}`, { replacements: [caseId], type: QueryTypes.SELECT, transaction: t });
    if (!d) throw ApplicationFailure.create({ type: 'DISPOSITION_NOT_FOUND', message: `no disposition for case ${caseId}`, nonRetryable: true });
    return d;
  };
  const recordChange = async (t: Transaction, caseId: string, d: DispositionRow, kind: string, by: string, before: unknown, after: unknown) => {
    const [, inserted] = await db.query(
      `INSERT IGNORE INTO registry_changes (case_id, registrant_id, kind, event, reason, requested_by, before_values, after_values, applied_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [caseId, d.registrant_id, kind, d.kind, d.reason.slice(0, 500), by, JSON.stringify(before), JSON.stringify(after), sqlTime()],
        transaction: t, type: QueryTypes.INSERT });
    return Number(inserted) === 1;
  };

  return {
    async recordHearing({ caseId, actor, summary }) {
      await db.transaction(async (t) => {
        const d = await load(caseId, t);
        await db.query("UPDATE dispositions SET status = 'hearing', hearing_held_at = COALESCE(hearing_held_at, ?), hearing_summary = ?, updated_at = ? WHERE disposition_id = ?",
          { replacements: [sqlTime(), summary.slice(0, 2000), sqlTime(), d.disposition_id], transaction: t });
        await audit.append({ actor, action: 'disposition.hearing', purpose: '聴聞の記録', targetType: 'registrant', targetId: d.registrant_id,
          outcome: 'ok', detail: { dispositionId: d.disposition_id } }, t);
      });
    },

    async rejectDisposition({ caseId, decidedBy }) {
      await db.query("UPDATE dispositions SET status = 'rejected', decided_by = ?, updated_at = ? WHERE case_id = ?",
        { replacements: [decidedBy, sqlTime(), caseId] });
    },

    async applyDisposition({ caseId, decidedBy }) {
      await db.transaction(async (t) => {
        const d = await load(caseId, t);
        const [r] = await db.query<{ qualification_status: string; warning: string | null; suspended_until: string | null }>(
          "SELECT qualification_status, warning, DATE_FORMAT(suspended_until, '%Y-%m-%d') AS suspended_until FROM registrants WHERE registrant_id = ? FOR UPDATE",
          { replacements: [d.registrant_id], type: QueryTypes.SELECT, transaction: t });
        if (!r) throw ApplicationFailure.create({ type: 'REGISTRANT_NOT_FOUND', message: 'the registrant does not exist', nonRetryable: true });
        const today = todayInTokyo();
        const set: Record<string, unknown> =
          d.kind === 'warning' ? { warning: [r.warning, `${today} 警告: ${d.reason}`].filter(Boolean).join('\n').slice(-60000) }
            : d.kind === 'suspension' ? { qualification_status: 'suspended', suspended_until: d.effective_until }
              : { qualification_status: 'revoked', return_reason: `返納命令: ${d.reason}`.slice(0, 200), ban_until: addDays(today, 365) };
        if (!(await recordChange(t, caseId, d, d.kind, decidedBy, { qualification_status: r.qualification_status, suspended_until: r.suspended_until }, set))) return;
        await db.query(`UPDATE registrants SET ${Object.keys(set).map((k) => `${k} = ?`).join(', ')}, updated_at = ? WHERE registrant_id = ?`,
          { replacements: [...Object.values(set), sqlTime(), d.registrant_id], transaction: t });
        await db.query("UPDATE dispositions SET status = 'effective', decided_by = ?, updated_at = ? WHERE disposition_id = ?",
          { replacements: [decidedBy, sqlTime(), d.disposition_id], transaction: t });
        await audit.append({ actor: decidedBy, action: `disposition.${d.kind}`, purpose: '処分の決裁', targetType: 'registrant',
          targetId: d.registrant_id, outcome: 'ok', detail: { dispositionId: d.disposition_id, proposedBy: d.proposed_by } }, t);
      });
    },

    async liftSuspension({ caseId }) {
      return db.transaction(async (t) => {
        const d = await load(caseId, t);
        const [, affected] = await db.query(
          "UPDATE registrants SET qualification_status = 'active', suspended_until = NULL, updated_at = ? WHERE registrant_id = ? AND qualification_status = 'suspended' AND suspended_until <=> ?",
          { replacements: [sqlTime(), d.registrant_id, d.effective_until], transaction: t, type: QueryTypes.UPDATE });
        const lifted = Number(affected) === 1;
        if (lifted) {
          await recordChange(t, caseId, d, 'suspension_lifted', 'system:disposition', { qualification_status: 'suspended' }, { qualification_status: 'active' });
          await db.query("UPDATE dispositions SET status = 'lifted', updated_at = ? WHERE disposition_id = ?", { replacements: [sqlTime(), d.disposition_id], transaction: t });
          await audit.append({ actor: 'system:disposition', action: 'disposition.suspension_lifted', purpose: '停止期間の満了', targetType: 'registrant',
            targetId: d.registrant_id, outcome: 'ok', detail: { dispositionId: d.disposition_id } }, t);
        }
        return { lifted };
      });
    },
  };
}
