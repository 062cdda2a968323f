/**
 * The audit chain is sealed after the fact instead of inside every writer's transaction (issue #4).
 *
 * Before: each append locked the single `audit_head` row, computed its hash from the head and held
 * that lock until the writer's own transaction committed — every audited transaction in the
 * system queued on one row (measured: 766 of 774 statements in flight waited on it at 20 POST/s).
 *
 * Now:
 * - `audit_log` is what writers write: INSERT only (grants unchanged: no UPDATE, no DELETE), the
 *   sequence number from AUTO_INCREMENT, no hash. Appends never wait on each other.
 * - `audit_chain` is written by the sealer alone (db/audit.ts `seal`): one row per entry, in the
 *   order the sealer found them committed, position `pos` 1, 2, 3 …, each hash covering the
 *   previous hash and the entry's fields (the same formula as before, so the entries written
 *   before this migration keep their hashes: their `pos` equals their `seq`). INSERT only.
 * - `audit_gaps`: auto-increment numbers the sealer stepped over because no entry appeared for
 *   them within the grace period (a rolled-back transaction consumed them). If an entry does turn
 *   up for one later, it is still sealed, flagged `late`. INSERT only.
 * - `audit_head`: `pos`/`hash` of the chain's end and `sealed_through`, the auto-increment number
 *   up to which every entry is sealed or its number declared a gap. Only the sealer updates it;
 *   the vault account, which only appends, loses its grants on it.
 *
 * Down restores the hash columns of `audit_log` from the chain (nullable: an unsealed entry has
 * none); the old verification holds only if no entry was sealed out of sequence-number order.
 */
import type { MigrationFn } from 'umzug';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `CREATE TABLE ${a}.audit_chain (
      pos BIGINT NOT NULL COMMENT 'position in the sealed chain, 1, 2, 3 … without gaps',
      entry_seq BIGINT NOT NULL COMMENT 'audit_log.seq of the entry sealed here',
      sealed_at DATETIME(3) NOT NULL,
      late TINYINT(1) NOT NULL DEFAULT 0 COMMENT '1: its number had been declared a gap before the entry committed',
      prev_hash CHAR(64) NOT NULL,
      hash CHAR(64) NOT NULL,
      PRIMARY KEY (pos),
      UNIQUE KEY uq_audit_chain_entry (entry_seq)
    ) ${TABLE_OPTS} COMMENT 'the hash chain over audit_log, written by the sealer only'`,
    `CREATE TABLE ${a}.audit_gaps (
      seq BIGINT NOT NULL COMMENT 'an audit_log number with no entry when the sealer passed it',
      declared_at DATETIME(3) NOT NULL,
      chain_pos BIGINT NOT NULL COMMENT 'the chain length when the gap was declared',
      PRIMARY KEY (seq)
    ) ${TABLE_OPTS} COMMENT 'numbers the sealer stepped over (rolled-back appends)'`,
    `INSERT INTO ${a}.audit_chain (pos, entry_seq, sealed_at, late, prev_hash, hash)
       SELECT seq, seq, at, 0, prev_hash, hash FROM ${a}.audit_log ORDER BY seq`,
    `ALTER TABLE ${a}.audit_head
       CHANGE COLUMN seq pos BIGINT NOT NULL COMMENT 'chain length: position of the last sealed entry',
       ADD COLUMN sealed_through BIGINT NOT NULL DEFAULT 0 COMMENT 'every audit_log.seq up to here is sealed or a declared gap'`,
    `UPDATE ${a}.audit_head SET sealed_through = pos WHERE id = 1`,
    `ALTER TABLE ${a}.audit_head COMMENT 'the end of the sealed audit chain; updated by the sealer only'`,
    `ALTER TABLE ${a}.audit_log DROP COLUMN prev_hash, DROP COLUMN hash`,
    `GRANT SELECT, INSERT ON ${a}.audit_chain TO ${c.appAccount}`,
    `GRANT SELECT, INSERT ON ${a}.audit_gaps TO ${c.appAccount}`,
    `REVOKE SELECT, UPDATE ON ${a}.audit_head FROM ${c.vaultAccount}`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `GRANT SELECT, UPDATE ON ${a}.audit_head TO ${c.vaultAccount}`,
    `REVOKE SELECT, INSERT ON ${a}.audit_chain FROM ${c.appAccount}`,
    `REVOKE SELECT, INSERT ON ${a}.audit_gaps FROM ${c.appAccount}`,
    `ALTER TABLE ${a}.audit_log ADD COLUMN prev_hash CHAR(64) NULL AFTER detail, ADD COLUMN hash CHAR(64) NULL AFTER prev_hash`,
    `UPDATE ${a}.audit_log l JOIN ${a}.audit_chain ch ON ch.entry_seq = l.seq SET l.prev_hash = ch.prev_hash, l.hash = ch.hash`,
    `ALTER TABLE ${a}.audit_head DROP COLUMN sealed_through, CHANGE COLUMN pos seq BIGINT NOT NULL`,
    `ALTER TABLE ${a}.audit_head COMMENT 'the head of the audit hash chain; locked to serialise appends'`,
    `DROP TABLE IF EXISTS ${a}.audit_gaps`,
    `DROP TABLE IF EXISTS ${a}.audit_chain`,
  );
};
