/**
 * 情報提供等記録 of batch inquiries, the persons of a batch as one list in the batch's row (issue
 * #6 item 5; R4.6, R6.1, R6.9). Migration 0010 wrote one `inquiry_batch_members` row per person
 * and inquiry: ~21 µs of MariaDB CPU each, measured, two or three per registrant and yearly run —
 * most of the database's share of the reconciliation. Every batch of the reconciliation is one
 * page, a key range of registrants, so the persons of a batch are found without a row each:
 * - `inquiry_batches.member_list`: the batch's persons in order, a JSON array of
 *   `[資格仮名ID, outcome, 提供許可証 | null]` (position = index + 1, so every record keeps its ID
 *   `batch_id || 8 hex digits of the position`);
 * - `first_pseudonym_id` / `last_pseudonym_id`: the lowest and highest 資格仮名ID in the list, with
 *   an index on both — the lookup by person reads only the batches whose range holds the person
 *   (one per run and inquiry: a run's pages do not overlap) and searches their lists;
 * - the view `inquiry_batch_members` (SQL SECURITY INVOKER) shows every person of every batch as a
 *   row, with the columns the table had: the relational form of the same records, for auditors'
 *   own queries.
 * Written once with the batch (the application account has SELECT and INSERT on the table, SELECT
 * on the view); no My Number and no answer in either.
 *
 * Up checks every batch first — one whose positions are not 1…n, or whose count differs, stops
 * the migration before anything changes: no record may change its ID or be lost —, then moves the
 * member rows into their batches' lists and drops the table; a run stopped while moving them goes
 * on over the columns it added. Down rebuilds the table from the lists. Plain MySQL 8 / MariaDB syntax.
 */
import type { MigrationFn } from 'umzug';
import { QueryTypes } from 'sequelize';
import type { MigrationContext } from '../migrate';

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
/** The persons of batch `b` as rows `m` with the old table's columns (the view, and down). */
const MEMBERS_OF_B = `JSON_TABLE(b.member_list, '$[*]' COLUMNS (seq FOR ORDINALITY, pseudonym_id CHAR(36) PATH '$[0]',
  outcome VARCHAR(16) PATH '$[1]', permit_id VARCHAR(64) PATH '$[2]')) AS m`;

type MemberRow = { seq: number; pseudonym_id: string; outcome: string; permit_id: string | null };

/** Each batch with its member rows in position order, 100 batches at a time. */
async function forEachBatch(c: MigrationContext, fn: (batch: { batch_id: string; members: number }, rows: MemberRow[]) => Promise<void>) {
  const a = c.appSchema;
  for (let after = ''; ;) {
    const batches = await c.sequelize.query<{ batch_id: string; members: number }>(
      `SELECT batch_id, members FROM ${a}.inquiry_batches WHERE batch_id > ? ORDER BY batch_id LIMIT 100`,
      { replacements: [after], type: QueryTypes.SELECT });
    for (const b of batches) {
      await fn(b, await c.sequelize.query<MemberRow>(
        `SELECT seq, pseudonym_id, outcome, permit_id FROM ${a}.inquiry_batch_members WHERE batch_id = ? ORDER BY seq`,
        { replacements: [b.batch_id], type: QueryTypes.SELECT }));
    }
    if (batches.length < 100) return;
    after = batches[batches.length - 1]!.batch_id;
  }
}

export const up: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  // Every batch checked before anything changes (MySQL and MariaDB commit DDL at once).
  await forEachBatch(c, async (b, rows) => {
    if (rows.length !== b.members || rows.some((r, i) => Number(r.seq) !== i + 1)) {
      throw new Error(`inquiry batch ${b.batch_id}: ${rows.length} member rows for ${b.members} members, or positions not 1…n; not migrated`);
    }
  });
  const [added] = await c.sequelize.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = ? AND table_name = 'inquiry_batches' AND column_name = 'member_list'`,
    { replacements: [a], type: QueryTypes.SELECT });
  if (Number(added!.n) === 0) { // not by an earlier run that stopped half-way
    await c.exec(
      `ALTER TABLE ${a}.inquiry_batches
         ADD COLUMN first_pseudonym_id CHAR(36) NULL COMMENT 'lowest 資格仮名ID in member_list' AFTER members,
         ADD COLUMN last_pseudonym_id CHAR(36) NULL COMMENT 'highest 資格仮名ID in member_list' AFTER first_pseudonym_id,
         ADD COLUMN member_list LONGTEXT NULL COMMENT 'JSON [[資格仮名ID, outcome, 提供許可証|null], …] in position order' AFTER last_pseudonym_id,
         ADD KEY ix_inquiry_batches_persons (first_pseudonym_id, last_pseudonym_id)`,
    );
  }
  await forEachBatch(c, async (b, rows) => {
    const ids = rows.map((r) => r.pseudonym_id).sort();
    await c.sequelize.query(
      `UPDATE ${a}.inquiry_batches SET member_list = ?, first_pseudonym_id = ?, last_pseudonym_id = ? WHERE batch_id = ?`,
      { replacements: [JSON.stringify(rows.map((r) => [r.pseudonym_id, r.outcome, r.permit_id])), ids[0] ?? null, ids[ids.length - 1] ?? null,
        b.batch_id] });
  });
  await c.exec(
    `ALTER TABLE ${a}.inquiry_batches
       MODIFY member_list LONGTEXT NOT NULL COMMENT 'JSON [[資格仮名ID, outcome, 提供許可証|null], …] in position order',
       ADD CONSTRAINT ck_inquiry_batches_member_list CHECK (JSON_VALID(member_list))`,
    // The table's grants outlive DROP TABLE in MariaDB: revoked first, so the view starts with none.
    `REVOKE SELECT, INSERT ON ${a}.inquiry_batch_members FROM ${c.appAccount}`,
    `DROP TABLE ${a}.inquiry_batch_members`,
    `CREATE SQL SECURITY INVOKER VIEW ${a}.inquiry_batch_members AS
       SELECT m.pseudonym_id, b.batch_id, m.seq, m.outcome, m.permit_id
         FROM ${a}.inquiry_batches b,
              ${MEMBERS_OF_B}`,
    `GRANT SELECT ON ${a}.inquiry_batch_members TO ${c.appAccount}`,
  );
};

export const down: MigrationFn<MigrationContext> = async ({ context: c }) => {
  const a = c.appSchema;
  await c.exec(
    `REVOKE SELECT ON ${a}.inquiry_batch_members FROM ${c.appAccount}`,
    `DROP VIEW ${a}.inquiry_batch_members`,
    `CREATE TABLE ${a}.inquiry_batch_members (
      pseudonym_id CHAR(36) NOT NULL COMMENT '資格仮名ID of the person asked about',
      batch_id CHAR(28) NOT NULL,
      seq INT UNSIGNED NOT NULL COMMENT '1-based position in the batch',
      outcome VARCHAR(16) NOT NULL COMMENT 'ok|refused|not_found|unavailable|error',
      permit_id VARCHAR(64) NULL COMMENT '提供許可証 of a 中間サーバー inquiry',
      PRIMARY KEY (pseudonym_id, batch_id, seq),
      KEY ix_inquiry_batch_members_batch (batch_id, seq)
    ) ${TABLE_OPTS}`,
    `INSERT INTO ${a}.inquiry_batch_members (pseudonym_id, batch_id, seq, outcome, permit_id)
     SELECT m.pseudonym_id, b.batch_id, m.seq, m.outcome, m.permit_id
       FROM ${a}.inquiry_batches b,
            ${MEMBERS_OF_B}`,
    `GRANT SELECT, INSERT ON ${a}.inquiry_batch_members TO ${c.appAccount}`,
    `ALTER TABLE ${a}.inquiry_batches DROP CONSTRAINT ck_inquiry_batches_member_list, DROP KEY ix_inquiry_batches_persons,
       DROP COLUMN member_list, DROP COLUMN last_pseudonym_id, DROP COLUMN first_pseudonym_id`,
  );
};
