/**
 * 情報提供等記録 of batch inquiries (issue #6 item 5; R4.6, R6.1, R6.9). The yearly reconciliation
 * asks about every registrant two or three times a run; as rows of `inquiry_records` that was
 * 2–3 million rows a year with the purpose text in each and four B-trees to maintain per row
 * (the primary key and the indexes on `at`, `case_id` and `(pseudonym_id, at)`): ~30 µs of
 * MariaDB CPU per row, measured; the layout below costs ~15 µs per person and inquiry (1.2M
 * rows inserted in batches of 10,000 over 300,000 persons). A batch inquiry is now recorded as
 * - `inquiry_batches`: one row per batch — when, which remote and operation, purpose, actor, the
 *   batch's reference (`recon:<runId>:<pageNo>`) and how many persons it asked about;
 * - `inquiry_batch_members`: one narrow row per person in the batch (資格仮名ID, position, outcome,
 *   提供許可証). Its clustered key `(pseudonym_id, batch_id, seq)` is the lookup by person (the
 *   batch ID starts with the time, so a person's records come in time order); the one secondary
 *   index `(batch_id, seq)` lists a batch's persons for the lookup by period (appended in order).
 * Each member is still one record: `GET /api/v1/inquiry-records` shows it with record ID
 * `batch_id || 8 hex digits of seq` (the layout the batch's rows had in `inquiry_records`) and the
 * batch's time, purpose and actor. Records of single inquiries (cases) stay in `inquiry_records`.
 * No My Number and no answer in either table. The application account gets SELECT and INSERT only.
 *
 * Down copies every member back into `inquiry_records` (the same record IDs) before dropping the
 * tables, so no record is lost. Independent of migration 0009.
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.inquiry_batches (
      batch_id CHAR(28) NOT NULL COMMENT 'time-ordered; a member''s record ID is batch_id || LPAD(HEX(seq), 8, ''0'')',
      at DATETIME(3) NOT NULL,
      remote VARCHAR(16) NOT NULL COMMENT 'juki|chukan',
      operation VARCHAR(32) NOT NULL,
      purpose VARCHAR(200) NOT NULL,
      actor VARCHAR(64) NOT NULL,
      batch_ref VARCHAR(128) NULL COMMENT 'what the batch belongs to, e.g. recon:<runId>:<pageNo>',
      members INT NOT NULL COMMENT 'persons asked about (rows in inquiry_batch_members)',
      PRIMARY KEY (batch_id),
      KEY ix_inquiry_batches_at (at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.inquiry_batch_members (
      pseudonym_id CHAR(36) NOT NULL COMMENT '資格仮名ID of the person asked about',
      batch_id CHAR(28) NOT NULL,
      seq INT UNSIGNED NOT NULL COMMENT '1-based position in the batch',
      outcome VARCHAR(16) NOT NULL COMMENT 'ok|refused|not_found|unavailable|error',
      permit_id VARCHAR(64) NULL COMMENT '提供許可証 of a 中間サーバー inquiry',
      PRIMARY KEY (pseudonym_id, batch_id, seq),
      KEY ix_inquiry_batch_members_batch (batch_id, seq)
    ) ${TABLE_OPTS}`,
    `GRANT SELECT, INSERT ON ${a}.inquiry_batches TO ${c.appAccount}`,
    `GRANT SELECT, INSERT ON ${a}.inquiry_batch_members TO ${c.appAccount}`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `INSERT INTO ${a}.inquiry_records (record_id, at, remote, operation, purpose, actor, case_id, pseudonym_id, outcome, remote_code, permit_id)
     SELECT CONCAT(m.batch_id, LPAD(LOWER(HEX(m.seq)), 8, '0')), b.at, b.remote, b.operation, b.purpose, b.actor, NULL, m.pseudonym_id,
            m.outcome, NULL, m.permit_id
       FROM ${a}.inquiry_batch_members m JOIN ${a}.inquiry_batches b ON b.batch_id = m.batch_id`,
    `DROP TABLE IF EXISTS ${a}.inquiry_batch_members`,
    `DROP TABLE IF EXISTS ${a}.inquiry_batches`,
  );
};
