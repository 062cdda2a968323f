/**
 * Staff accounts, API clients and access tokens (R6.5, R6.6).
 * - `staff_accounts` holds people (kind `staff`, password + TOTP) and API clients (kind `client`,
 *   client id + secret). Only hashes are stored (argon2id); the TOTP secret must be readable to
 *   check a code, so it is AES-256-GCM encrypted under a key the database never sees.
 * - `account_register` is the 記録簿 of R6.6: every issue, disable, enable, role change and reset,
 *   with why, who asked and who approved. It is append-only: the application account may only
 *   SELECT and INSERT it.
 * - `access_tokens` keeps the SHA-256 of opaque bearer tokens (never JWTs), so a logout or a
 *   disabled account takes effect at the very next request. Rows are revoked, never deleted.
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.staff_accounts (
      account_id CHAR(36) NOT NULL,
      username VARCHAR(64) NOT NULL COMMENT 'login name, lower case; the client id for API clients',
      display_name VARCHAR(100) NULL COMMENT 'the name given to an API client',
      role VARCHAR(16) NOT NULL COMMENT 'see common/permissions.ts',
      kind VARCHAR(8) NOT NULL COMMENT 'staff|client',
      password_hash VARCHAR(255) NOT NULL COMMENT 'argon2id of the password or client secret',
      must_change_password TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'set while the password is the one-time one',
      totp_secret_enc VARBINARY(128) NULL COMMENT 'AES-256-GCM iv|tag|ciphertext of the TOTP secret (staff only)',
      totp_last_step BIGINT NULL COMMENT 'last accepted TOTP time step: a code is accepted once',
      status VARCHAR(10) NOT NULL COMMENT 'active|disabled',
      failed_count INT NOT NULL DEFAULT 0,
      locked_until DATETIME(3) NULL,
      password_changed_at DATETIME(3) NOT NULL,
      last_login_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (account_id),
      UNIQUE KEY uq_staff_accounts_username (username)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.account_register (
      id BIGINT NOT NULL AUTO_INCREMENT,
      account_id CHAR(36) NOT NULL,
      username VARCHAR(64) NOT NULL,
      event VARCHAR(16) NOT NULL COMMENT 'add|disable|enable|role_change|password_reset',
      role VARCHAR(16) NOT NULL COMMENT 'the role after the event',
      reason VARCHAR(500) NULL COMMENT 'why the account or change is needed',
      requested_by VARCHAR(64) NOT NULL,
      approved_by VARCHAR(64) NULL,
      at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY ix_account_register_account (account_id, id)
    ) ${TABLE_OPTS} COMMENT '記録簿: the account register of R6.6'`,
    `CREATE TABLE ${a}.access_tokens (
      token_hash CHAR(64) NOT NULL COMMENT 'SHA-256 hex of the opaque token; the token itself is never stored',
      account_id CHAR(36) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      revoked_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (token_hash),
      KEY ix_access_tokens_account (account_id, revoked_at)
    ) ${TABLE_OPTS}`,
  );
  await c.exec(
    `GRANT SELECT, INSERT, UPDATE ON ${a}.staff_accounts TO ${c.appAccount}`,
    `GRANT SELECT, INSERT, UPDATE ON ${a}.access_tokens TO ${c.appAccount}`,
    `GRANT SELECT, INSERT ON ${a}.account_register TO ${c.appAccount}`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  await c.exec(
    ...['access_tokens', 'account_register', 'staff_accounts'].map((t) => `DROP TABLE IF EXISTS ${c.appSchema}.${t}`),
  );
};
