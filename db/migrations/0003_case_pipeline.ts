/**
 * What the case pipeline needs beyond the initial schema.
 * - `inquiry_records` is our 情報提供等記録 (R4.6, R6.1): every inquiry to 住基ネット and the
 *   中間サーバー, with purpose, actor, case and outcome — never the number asked about nor the
 *   answer. Auditors read it; nobody updates it (SELECT and INSERT only).
 * - `inquiry_results` keeps what a reviewer must see of an answer (e.g. the 住基ネット address
 *   that did not match) until its retention ends; the purge empties `result` (logical: no DELETE).
 * - `institution_codes` keeps the 機関別符号 per person: obtained once with the My Number, then
 *   every 本籍 inquiry uses only the code.
 * - `payment_events` makes the gateway's webhook idempotent (one row per event id).
 * - notices get a key per sending (a case returned twice gets two notices), a mail status and the
 *   documents a print status.
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.inquiry_records (
      record_id CHAR(36) NOT NULL,
      at DATETIME(3) NOT NULL,
      remote VARCHAR(16) NOT NULL COMMENT 'juki|chukan',
      operation VARCHAR(32) NOT NULL,
      purpose VARCHAR(200) NOT NULL,
      actor VARCHAR(64) NOT NULL,
      case_id CHAR(36) NULL,
      pseudonym_id CHAR(36) NULL COMMENT '資格仮名ID of the person asked about',
      outcome VARCHAR(16) NOT NULL COMMENT 'ok|refused|not_found|unavailable|error',
      remote_code VARCHAR(64) NULL,
      permit_id VARCHAR(64) NULL COMMENT '提供許可証 of a 中間サーバー inquiry',
      PRIMARY KEY (record_id),
      KEY ix_inquiry_records_at (at),
      KEY ix_inquiry_records_case (case_id),
      KEY ix_inquiry_records_person (pseudonym_id, at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.inquiry_results (
      case_id CHAR(36) NOT NULL,
      kind VARCHAR(16) NOT NULL COMMENT 'identity|honseki',
      result JSON NULL COMMENT 'emptied when the retention ends',
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      purged_at DATETIME(3) NULL,
      PRIMARY KEY (case_id, kind),
      KEY ix_inquiry_results_expiry (purged_at, expires_at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.institution_codes (
      pseudonym_id CHAR(36) NOT NULL,
      institution_code VARCHAR(64) NOT NULL COMMENT '機関別符号',
      obtained_at DATETIME(3) NOT NULL,
      PRIMARY KEY (pseudonym_id)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.payment_events (
      event_id VARCHAR(100) NOT NULL,
      payment_id CHAR(36) NULL,
      type VARCHAR(32) NOT NULL,
      outcome VARCHAR(32) NOT NULL,
      received_at DATETIME(3) NOT NULL,
      PRIMARY KEY (event_id)
    ) ${TABLE_OPTS}`,
    `ALTER TABLE ${a}.notices
      ADD COLUMN notice_key VARCHAR(200) NULL AFTER notice_id,
      ADD COLUMN recipient_kind VARCHAR(16) NOT NULL DEFAULT 'applicant',
      ADD COLUMN mail_status VARCHAR(16) NOT NULL DEFAULT 'none' COMMENT 'none|queued|sent|failed',
      ADD COLUMN mailed_at DATETIME(3) NULL,
      DROP INDEX uq_notices_case_kind,
      ADD UNIQUE KEY uq_notices_key (notice_key),
      ADD KEY ix_notices_case (case_id, created_at)`,
    `ALTER TABLE ${a}.documents
      ADD COLUMN print_status VARCHAR(16) NULL COMMENT 'queued|printed',
      ADD COLUMN printed_at DATETIME(3) NULL`,
    `ALTER TABLE ${a}.payments ADD COLUMN checkout_url VARCHAR(500) NULL AFTER external_ref, ADD KEY ix_payments_external (external_ref)`,
    `ALTER TABLE ${a}.cases ADD COLUMN passer_number VARCHAR(32) NULL AFTER registrant_id`,
    `GRANT SELECT, INSERT ON ${a}.inquiry_records TO ${c.appAccount}`,
    ...['inquiry_results', 'institution_codes', 'payment_events'].map(
      (t) => `GRANT SELECT, INSERT, UPDATE ON ${a}.${t} TO ${c.appAccount}`),
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `ALTER TABLE ${a}.cases DROP COLUMN passer_number`,
    `ALTER TABLE ${a}.payments DROP KEY ix_payments_external, DROP COLUMN checkout_url`,
    `ALTER TABLE ${a}.documents DROP COLUMN print_status, DROP COLUMN printed_at`,
    `ALTER TABLE ${a}.notices DROP KEY uq_notices_key, DROP KEY ix_notices_case, DROP COLUMN notice_key,
      DROP COLUMN recipient_kind, DROP COLUMN mail_status, DROP COLUMN mailed_at, ADD UNIQUE KEY uq_notices_case_kind (case_id, kind)`,
    ...['payment_events', 'institution_codes', 'inquiry_results', 'inquiry_records'].map((t) => `DROP TABLE IF EXISTS ${a}.${t}`),
  );
};
