/**
 * The digital credential (issue #7, R3.1, R4.4). None of these tables holds personal data: the
 * license fields live in `registrants` only and travel inside the signed credential.
 * - `credential_status_entries`: one random index of the status list per version of a license
 *   (registrant, edition and printed fields, as a digest). Credentials of the same version share
 *   it, so the list grows with rewrites and reissues, not with every refresh of the holder's
 *   page; random indexes in a list far larger than the registry give herd privacy. The status
 *   itself is never stored: it is derived from `registrants` when asked (credential/status-sql.ts),
 *   so a registry change shows at once.
 * - `credentials`: every credential issued (its cti), for audit and support; no claim values.
 * - `holder_links`: the holder page's access to one registrant's credential (SHA-256 of an
 *   opaque token), made by the portal after the holder has authenticated and consented.
 * Append-and-update only: the application account gets no DELETE (as in 0001).
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
const TABLES = ['credential_status_entries', 'credentials', 'holder_links'];

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.credential_status_entries (
      list_id SMALLINT UNSIGNED NOT NULL,
      status_index INT UNSIGNED NOT NULL COMMENT 'random position in the status list',
      registrant_id CHAR(36) NOT NULL COMMENT '資格仮名ID',
      license_edition INT NOT NULL,
      fields_digest CHAR(64) NOT NULL COMMENT 'SHA-256 of the printed fields of this version (status-sql.ts)',
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (list_id, status_index),
      UNIQUE KEY uq_status_entries_version (registrant_id, fields_digest)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.credentials (
      credential_id CHAR(24) NOT NULL COMMENT 'cti, hex',
      registrant_id CHAR(36) NOT NULL,
      license_edition INT NOT NULL,
      list_id SMALLINT UNSIGNED NOT NULL,
      status_index INT UNSIGNED NOT NULL,
      profile VARCHAR(16) NOT NULL COMMENT 'standard|with_birth_date',
      purpose VARCHAR(8) NOT NULL COMMENT 'holder (phone) | paper (QR on the license)',
      key_id VARCHAR(16) NOT NULL,
      issued_by VARCHAR(64) NOT NULL,
      issued_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      PRIMARY KEY (credential_id),
      KEY ix_credentials_registrant (registrant_id, issued_at),
      KEY ix_credentials_key (key_id, expires_at)
    ) ${TABLE_OPTS}`,
    `CREATE TABLE ${a}.holder_links (
      token_hash CHAR(64) NOT NULL COMMENT 'SHA-256 hex of the opaque token; the token is never stored',
      registrant_id CHAR(36) NOT NULL,
      created_by VARCHAR(64) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      revoked_at DATETIME(3) NULL,
      PRIMARY KEY (token_hash),
      KEY ix_holder_links_registrant (registrant_id)
    ) ${TABLE_OPTS}`,
  );
  await c.exec(...TABLES.map((t) => `GRANT SELECT, INSERT, UPDATE ON ${a}.${t} TO ${c.appAccount}`));
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  await c.exec(...TABLES.map((t) => `DROP TABLE IF EXISTS ${c.appSchema}.${t}`));
};
