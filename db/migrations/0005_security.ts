/**
 * Issue #5 (security):
 * - `access_tokens.last_used_at`: staff tokens end after STAFF_IDLE_TIMEOUT_MS without a request
 *   (api/auth/tokens.ts), not only at the end of the working day;
 * - an index on `audit_log (action, seq)`: the periodic analysis finds its previous run and the
 *   auditor lists findings by action without scanning the whole log.
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `ALTER TABLE ${a}.access_tokens ADD COLUMN last_used_at DATETIME(3) NULL COMMENT 'last request with this token (idle timeout)'`,
    `CREATE INDEX ix_audit_action ON ${a}.audit_log (action, seq)`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(`DROP INDEX ix_audit_action ON ${a}.audit_log`, `ALTER TABLE ${a}.access_tokens DROP COLUMN last_used_at`);
};
