/**
 * Retention of inquiry results (R4.6, R6.9): a 住基ネット / 中間サーバー answer is kept for the
 * reviewer until `expires_at`, then emptied. Logical (the application account has no DELETE):
 * `result` becomes NULL and `purged_at` is set, so a second run finds nothing and the row still
 * shows when the answer existed. Each run that purged something leaves one audit entry.
 * Run by the worker every INQUIRY_PURGE_INTERVAL_S (worker/inquiry-purge.ts) and on demand by
 * `npm run admin -- inquiries:purge`.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { AuditLog } from './audit';
import { sqlTime } from './connection';

export const RETENTION_ACTOR = 'system:retention';
const PURPOSE = '照会結果の保存期間経過による消去';

export async function purgeExpiredInquiryResults(db: Sequelize, audit: AuditLog,
  opts: { now?: Date; actor?: string } = {}): Promise<{ purged: number }> {
  const at = sqlTime(opts.now ?? new Date());
  const [, affected] = await db.query(
    'UPDATE inquiry_results SET result = NULL, purged_at = ? WHERE purged_at IS NULL AND expires_at <= ?',
    { replacements: [at, at], type: QueryTypes.UPDATE });
  const purged = Number(affected);
  if (purged > 0) {
    await audit.append({ actor: opts.actor ?? RETENTION_ACTOR, action: 'inquiry_results.purge', purpose: PURPOSE, outcome: 'ok',
      detail: { purged } });
  }
  return { purged };
}
