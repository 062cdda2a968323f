/**
 * The rest of a license's life (issue #6).
 * - `registry_changes`: every change a case makes to the registrant file, once per case (the
 *   primary key makes a retried step a no-op), with the values before and after, who asked, why
 *   and which event — the record that erasure is logical and traceable (R1.4).
 * - `dispositions`: warning (警告), suspension (停止) and return order (返納命令), proposed by one
 *   person and decided by another (a supervisor); a return order needs a hearing (聴聞) first.
 * - `registrants.ban_until`: the 1-year refusal period after a return order.
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.registry_changes (
      case_id CHAR(36) NOT NULL,
      registrant_id CHAR(36) NOT NULL,
      kind VARCHAR(32) NOT NULL COMMENT 'change|rewrite|reissue|erasure|warning|suspension|suspension_lifted|return_order',
      event VARCHAR(64) NULL COMMENT 'e.g. application, death, return, return_order',
      reason VARCHAR(500) NULL,
      requested_by VARCHAR(64) NOT NULL,
      before_values JSON NULL,
      after_values JSON NULL,
      applied_at DATETIME(3) NOT NULL,
      PRIMARY KEY (case_id, kind),
      KEY ix_registry_changes_registrant (registrant_id, applied_at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.dispositions (
      disposition_id CHAR(36) NOT NULL,
      case_id CHAR(36) NOT NULL,
      registrant_id CHAR(36) NOT NULL,
      kind VARCHAR(16) NOT NULL COMMENT 'warning|suspension|return_order',
      status VARCHAR(16) NOT NULL COMMENT 'proposed|hearing|decided|rejected|effective|lifted',
      reason VARCHAR(1000) NOT NULL,
      effective_from DATE NULL,
      effective_until DATE NULL,
      proposed_by VARCHAR(64) NOT NULL,
      decided_by VARCHAR(64) NULL,
      hearing_held_at DATETIME(3) NULL,
      hearing_summary VARCHAR(2000) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (disposition_id),
      UNIQUE KEY uq_dispositions_case (case_id),
      KEY ix_dispositions_registrant (registrant_id, created_at)
    ) ${TABLE_OPTS}`,
    `ALTER TABLE ${a}.registrants ADD COLUMN ban_until DATE NULL COMMENT '返納命令後の交付拒否期間の終わり'`,
    ...['registry_changes', 'dispositions'].map((t) => `GRANT SELECT, INSERT, UPDATE ON ${a}.${t} TO ${c.appAccount}`),
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `ALTER TABLE ${a}.registrants DROP COLUMN ban_until`,
    `DROP TABLE IF EXISTS ${a}.dispositions`,
    `DROP TABLE IF EXISTS ${a}.registry_changes`,
  );
};
