/**
 * The yearly reconciliation (issue #6, R1.2, R6.2): every registrant is checked against
 * 住基ネット (batch, 一括) and the 中間サーバー (本籍), and each change found starts the right work.
 * - `reconciliation_runs`: one row per run (progress the API reads; counters are absolute values
 *   recomputed from the pages and findings, so a retried step never counts twice).
 * - `reconciliation_pages`: one keyset page of a run (registrants in file order, the 住基ネット
 *   batch that answers it); `done_at` makes a page's work count once.
 * - `reconciliation_findings`: what changed, once per (registrant, kind, fingerprint) over all
 *   runs — a second run finds nothing new — and what was done about it (case, notice, update).
 *   No My Number and no registry values: the fingerprint is a digest.
 * - `registrant_notices`: notices to a holder outside any case (e.g. 書換え申請のお願い).
 * The application account gets SELECT, INSERT, UPDATE only (no DELETE anywhere, as in 0001).
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
const TABLES = ['reconciliation_runs', 'reconciliation_pages', 'reconciliation_findings', 'registrant_notices'];

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.reconciliation_runs (
      run_id CHAR(36) NOT NULL,
      trigger_kind VARCHAR(16) NOT NULL COMMENT 'schedule|manual',
      started_by VARCHAR(64) NOT NULL,
      workflow_id VARCHAR(128) NOT NULL,
      status VARCHAR(16) NOT NULL COMMENT 'running|completed|failed',
      total INT NOT NULL DEFAULT 0,
      processed INT NOT NULL DEFAULT 0,
      skipped INT NOT NULL DEFAULT 0 COMMENT 'registrants without a My Number or not found in 住基ネット',
      cursor_id CHAR(36) NULL COMMENT 'last registrant of the last page handed out',
      deaths INT NOT NULL DEFAULT 0,
      moves INT NOT NULL DEFAULT 0,
      name_changes INT NOT NULL DEFAULT 0,
      honseki_changes INT NOT NULL DEFAULT 0,
      cases_started INT NOT NULL DEFAULT 0,
      started_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (run_id),
      KEY ix_reconciliation_runs_started (started_at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.reconciliation_pages (
      run_id CHAR(36) NOT NULL,
      page_no INT NOT NULL,
      after_id CHAR(36) NOT NULL COMMENT 'exclusive lower bound (keyset)',
      last_id CHAR(36) NOT NULL,
      registrant_ids MEDIUMTEXT NOT NULL COMMENT 'the page in batch order (seq = position + 1); IDs only',
      registrants INT NOT NULL,
      submitted INT NOT NULL COMMENT 'registrants with a My Number, sent in the batch',
      batch_id VARCHAR(64) NULL COMMENT '住基ネット batch',
      skipped INT NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL,
      done_at DATETIME(3) NULL,
      PRIMARY KEY (run_id, page_no)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.reconciliation_findings (
      finding_id CHAR(36) NOT NULL,
      run_id CHAR(36) NOT NULL COMMENT 'the run that found it first',
      page_no INT NOT NULL,
      registrant_id CHAR(36) NOT NULL,
      kind VARCHAR(16) NOT NULL COMMENT 'death|move|name_change|honseki_change',
      fingerprint CHAR(64) NOT NULL COMMENT 'SHA-256 of the event (date, reason, new values): equal events are one finding',
      event_date DATE NULL COMMENT '異動年月日 from 住基ネット',
      action VARCHAR(16) NOT NULL COMMENT 'deletion_case|rewrite_notice|address_update',
      action_status VARCHAR(16) NOT NULL DEFAULT 'pending' COMMENT 'pending|done|failed',
      case_id CHAR(36) NULL,
      notice_id CHAR(36) NULL,
      found_at DATETIME(3) NOT NULL,
      done_at DATETIME(3) NULL,
      PRIMARY KEY (finding_id),
      UNIQUE KEY uq_reconciliation_findings_event (registrant_id, kind, fingerprint),
      KEY ix_reconciliation_findings_run (run_id, page_no, action_status),
      KEY ix_reconciliation_findings_kind (run_id, kind)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.registrant_notices (
      notice_id CHAR(36) NOT NULL,
      notice_key VARCHAR(200) NOT NULL,
      registrant_id CHAR(36) NOT NULL,
      kind VARCHAR(32) NOT NULL,
      subject VARCHAR(200) NOT NULL,
      body TEXT NOT NULL,
      created_at DATETIME(3) NOT NULL,
      mail_status VARCHAR(16) NOT NULL DEFAULT 'none' COMMENT 'none|queued|sent|failed',
      mailed_at DATETIME(3) NULL,
      PRIMARY KEY (notice_id),
      UNIQUE KEY uq_registrant_notices_key (notice_key),
      KEY ix_registrant_notices_registrant (registrant_id, created_at)
    ) ${TABLE_OPTS}`,
  );
  await c.exec(...TABLES.map((t) => `GRANT SELECT, INSERT, UPDATE ON ${a}.${t} TO ${c.appAccount}`));
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  await c.exec(...[...TABLES].reverse().map((t) => `DROP TABLE IF EXISTS ${c.appSchema}.${t}`));
};
