/**
 * The initial schema.
 * - `<app>.registrants` is the registrant file (登録者ファイル) with the 18 items of R5, keyed by the
 *   資格仮名ID; it has no My Number column.
 * - `<vault>.my_number_links` links a 資格仮名ID to the encrypted My Number (R5.1). It lives in
 *   its own schema; only the vault account may read it and the application account has no grant
 *   on that schema at all.
 * - Registry data is erased logically (R1.4): the application account gets no DELETE anywhere,
 *   and the audit log gets neither UPDATE nor DELETE (append-only, R6.7).
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.registrants (
      registrant_id CHAR(36) NOT NULL COMMENT '資格仮名ID',
      portal_pseudonym_id VARCHAR(64) NULL COMMENT 'マイナポータル仮名ID',
      qualification_status VARCHAR(20) NOT NULL COMMENT '資格情報: active|suspended|revoked|erased',
      honseki VARCHAR(64) NULL COMMENT '本籍情報 (都道府県)',
      passer_number VARCHAR(32) NOT NULL COMMENT '合格者番号',
      license_number VARCHAR(32) NOT NULL COMMENT '免状番号',
      name_kanji VARCHAR(100) NOT NULL COMMENT '漢字氏名',
      name_kana VARCHAR(200) NOT NULL COMMENT 'カナ氏名',
      postal_code CHAR(7) NULL COMMENT '郵便番号',
      phone VARCHAR(11) NULL COMMENT '電話番号',
      address VARCHAR(300) NULL COMMENT '住所',
      birth_date DATE NOT NULL COMMENT '生年月日',
      license_issued_on DATE NOT NULL COMMENT '免状交付日',
      reissued_on DATE NULL COMMENT '再交付日',
      reissue_count INT NOT NULL DEFAULT 0 COMMENT '再交付回数',
      return_reason VARCHAR(200) NULL COMMENT '返納理由',
      warning TEXT NULL COMMENT '警告',
      remarks TEXT NULL COMMENT '備考',
      sex VARCHAR(8) NULL COMMENT '性別',
      email VARCHAR(254) NULL,
      license_edition INT NOT NULL DEFAULT 1,
      suspended_until DATE NULL,
      erased_at DATETIME(3) NULL COMMENT '抹消日時',
      erasure_reason VARCHAR(200) NULL COMMENT '抹消事由',
      erased_by VARCHAR(64) NULL,
      erasure_event VARCHAR(64) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (registrant_id),
      UNIQUE KEY uq_registrants_license (license_number),
      KEY ix_registrants_kana_birth (name_kana, birth_date),
      KEY ix_registrants_passer (passer_number)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.license_number_seq (
      id BIGINT NOT NULL AUTO_INCREMENT,
      case_id CHAR(36) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_license_seq_case (case_id)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.cases (
      case_id CHAR(36) NOT NULL,
      type VARCHAR(20) NOT NULL,
      channel VARCHAR(12) NOT NULL,
      status VARCHAR(32) NOT NULL,
      idempotency_key VARCHAR(128) NOT NULL,
      request_hash CHAR(64) NOT NULL COMMENT 'SHA-256 of the request body with the My Number replaced by its vault reference',
      pseudonym_id CHAR(36) NULL COMMENT '資格仮名ID of the applicant where known (vault reference, never the number)',
      registrant_id CHAR(36) NULL,
      applicant JSON NOT NULL COMMENT 'applicant data without the My Number',
      details JSON NULL,
      payment_method VARCHAR(16) NULL,
      created_by VARCHAR(64) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (case_id),
      UNIQUE KEY uq_cases_idempotency (created_by, idempotency_key),
      KEY ix_cases_status (status, created_at),
      KEY ix_cases_registrant (registrant_id)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.case_history (
      id BIGINT NOT NULL AUTO_INCREMENT,
      case_id CHAR(36) NOT NULL,
      status VARCHAR(32) NOT NULL,
      note VARCHAR(500) NULL,
      transition_key VARCHAR(200) NOT NULL COMMENT 'idempotency: workflow run + sequence',
      at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_case_history_transition (transition_key),
      KEY ix_case_history_case (case_id, id)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.review_tasks (
      task_id CHAR(36) NOT NULL,
      case_id CHAR(36) NOT NULL,
      kind VARCHAR(32) NOT NULL,
      status VARCHAR(16) NOT NULL COMMENT 'open|claimed|decided|escalated|cancelled',
      assignee VARCHAR(64) NULL,
      due_at DATETIME(3) NOT NULL,
      findings JSON NULL,
      decision VARCHAR(16) NULL,
      decision_reason VARCHAR(1000) NULL,
      decided_by VARCHAR(64) NULL,
      decided_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (task_id),
      KEY ix_review_tasks_status_due (status, due_at, task_id),
      KEY ix_review_tasks_case (case_id)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.payments (
      payment_id CHAR(36) NOT NULL,
      case_id CHAR(36) NOT NULL,
      category VARCHAR(20) NOT NULL COMMENT 'fee category: the case type',
      method VARCHAR(16) NOT NULL,
      kind VARCHAR(8) NOT NULL COMMENT 'income|refund',
      amount INT NOT NULL,
      status VARCHAR(16) NOT NULL,
      external_ref VARCHAR(100) NULL,
      idempotency_key VARCHAR(200) NOT NULL,
      confirmed_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (payment_id),
      UNIQUE KEY uq_payments_idempotency (idempotency_key),
      KEY ix_payments_case (case_id),
      KEY ix_payments_period (confirmed_at, category)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.documents (
      document_id CHAR(36) NOT NULL,
      case_id CHAR(36) NULL,
      registrant_id CHAR(36) NULL,
      kind VARCHAR(32) NOT NULL COMMENT 'license_pdf|attachment',
      content_type VARCHAR(100) NOT NULL,
      sha256 CHAR(64) NOT NULL,
      size_bytes INT NOT NULL,
      storage_key VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (document_id),
      KEY ix_documents_case (case_id),
      KEY ix_documents_registrant (registrant_id, kind)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.passers (
      passer_number VARCHAR(32) NOT NULL COMMENT '合格者番号',
      name_kanji VARCHAR(100) NOT NULL,
      name_kana VARCHAR(200) NOT NULL,
      birth_date DATE NOT NULL,
      exam_date DATE NOT NULL,
      imported_at DATETIME(3) NOT NULL,
      PRIMARY KEY (passer_number)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.notices (
      notice_id CHAR(36) NOT NULL,
      case_id CHAR(36) NOT NULL,
      kind VARCHAR(32) NOT NULL,
      subject VARCHAR(200) NOT NULL,
      body TEXT NOT NULL,
      created_at DATETIME(3) NOT NULL,
      read_at DATETIME(3) NULL,
      PRIMARY KEY (notice_id),
      UNIQUE KEY uq_notices_case_kind (case_id, kind)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.audit_log (
      seq BIGINT NOT NULL AUTO_INCREMENT,
      at DATETIME(3) NOT NULL,
      actor VARCHAR(64) NOT NULL,
      action VARCHAR(64) NOT NULL,
      purpose VARCHAR(200) NOT NULL,
      target_type VARCHAR(32) NULL,
      target_id VARCHAR(64) NULL,
      outcome VARCHAR(16) NOT NULL,
      detail TEXT NULL COMMENT 'JSON text, hashed as stored (MySQL would reorder a JSON column)',
      prev_hash CHAR(64) NOT NULL,
      hash CHAR(64) NOT NULL,
      PRIMARY KEY (seq),
      KEY ix_audit_target (target_type, target_id),
      KEY ix_audit_at (at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.audit_head (
      id TINYINT NOT NULL,
      seq BIGINT NOT NULL,
      hash CHAR(64) NOT NULL,
      PRIMARY KEY (id)
    ) ${TABLE_OPTS} COMMENT 'the head of the audit hash chain; locked to serialise appends'`,
    `INSERT INTO ${a}.audit_head (id, seq, hash) VALUES (1, 0, REPEAT('0', 64))`,
    `CREATE TABLE ${a}.system_checks (
      check_id CHAR(36) NOT NULL,
      workflow_id VARCHAR(128) NOT NULL,
      note VARCHAR(200) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (check_id)
    ) ${TABLE_OPTS}`,
  );

  const v = c.vaultSchema;
  await c.exec(
    `CREATE TABLE ${v}.my_number_links (
      pseudonym_id CHAR(36) NOT NULL COMMENT '資格仮名ID',
      blind_index BINARY(32) NOT NULL COMMENT 'HMAC-SHA256 of the number, for lookup without decryption',
      key_id VARCHAR(32) NOT NULL,
      iv BINARY(12) NOT NULL,
      ciphertext VARBINARY(64) NOT NULL,
      auth_tag BINARY(16) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      rotated_at DATETIME(3) NULL,
      PRIMARY KEY (pseudonym_id),
      UNIQUE KEY uq_my_number_links_index (blind_index)
    ) ${TABLE_OPTS}`,
  );

  const rw = ['registrants', 'license_number_seq', 'cases', 'case_history', 'review_tasks', 'payments',
    'documents', 'passers', 'notices', 'system_checks'];
  await c.exec(
    ...rw.map((t) => `GRANT SELECT, INSERT, UPDATE ON ${a}.${t} TO ${c.appAccount}`),
    `GRANT SELECT, INSERT ON ${a}.audit_log TO ${c.appAccount}`,
    `GRANT SELECT, UPDATE ON ${a}.audit_head TO ${c.appAccount}`,
    `GRANT SELECT, INSERT, UPDATE ON ${v}.my_number_links TO ${c.vaultAccount}`,
    // The vault account writes audit entries for its own reads (who read which pseudonym, why).
    `GRANT SELECT, INSERT ON ${a}.audit_log TO ${c.vaultAccount}`,
    `GRANT SELECT, UPDATE ON ${a}.audit_head TO ${c.vaultAccount}`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  await c.exec(
    `DROP TABLE IF EXISTS ${c.vaultSchema}.my_number_links`,
    ...['system_checks', 'audit_head', 'audit_log', 'notices', 'passers', 'documents', 'payments', 'review_tasks',
      'case_history', 'cases', 'license_number_seq', 'registrants'].map((t) => `DROP TABLE IF EXISTS ${c.appSchema}.${t}`),
  );
};
