/**
 * The schema comes from migrations: an empty database migrates forwards (and back), and the
 * grants that keep the My Number apart are part of what it creates.
 */
import mysql from 'mysql2/promise';
import { parseConfig } from '../../common/config';
import { createSequelize } from '../../db/connection';
import { createMigrator } from '../../db/migrate';
import { appSchema, config, rootConnection, vaultSchema } from '../helpers/env';

const fresh = `kyusui_mt_${Date.now().toString(36)}`;

function withDb(url: string, db: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) u.username = user;
  if (password) u.password = password;
  return u.toString();
}

async function errno(url: string, sql: string): Promise<number | null> {
  const u = new URL(url);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: u.username, password: decodeURIComponent(u.password) });
  try {
    await conn.query(sql);
    return null;
  } catch (err) {
    return (err as { errno: number }).errno;
  } finally {
    await conn.end();
  }
}

describe('migrations', () => {
  const migrator = new URL(config.MIGRATION_DATABASE_URL);
  it('when an empty database is migrated forwards, then every table exists; down and up again round-trip', async () => {
    const root = await rootConnection();
    try {
      for (const s of [fresh, `${fresh}_vault`]) {
        await root.query(`CREATE DATABASE ${s}`);
        await root.query(`GRANT ALL PRIVILEGES ON ${s}.* TO ?@? WITH GRANT OPTION`, [migrator.username, config.DB_GRANT_HOST]);
      }
      const cfg = parseConfig({
        ...process.env,
        DATABASE_URL: withDb(config.DATABASE_URL, fresh),
        VAULT_DATABASE_URL: withDb(config.VAULT_DATABASE_URL, `${fresh}_vault`),
        MIGRATION_DATABASE_URL: withDb(config.MIGRATION_DATABASE_URL, fresh),
      });
      const sequelize = createSequelize(cfg.MIGRATION_DATABASE_URL, 1);
      const umzug = createMigrator(cfg, sequelize);
      const applied = await umzug.up();
      expect(applied.length).toBeGreaterThan(0);
      expect(await umzug.pending()).toHaveLength(0);
      const [tables] = await root.query(
        'SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN (?, ?) ORDER BY 1, 2',
        [fresh, `${fresh}_vault`]);
      const names = (tables as { s: string; t: string }[]).map((r) => `${r.s === fresh ? 'app' : 'vault'}.${r.t}`);
      expect(names).toEqual(expect.arrayContaining(['app.registrants', 'app.cases', 'app.review_tasks', 'app.payments',
        'app.documents', 'app.audit_log', 'app.passers', 'vault.my_number_links']));
      expect(names.filter((n) => n.startsWith('vault.'))).toEqual(['vault.my_number_links']);

      await umzug.down({ to: 0 });
      expect(await umzug.executed()).toHaveLength(0);
      await umzug.up();
      expect(await umzug.pending()).toHaveLength(0);
      await sequelize.close();
    } finally {
      await root.query(`DROP DATABASE IF EXISTS ${fresh}`);
      await root.query(`DROP DATABASE IF EXISTS ${fresh}_vault`);
      await root.end();
    }
  });

  it('when 0011 moves the members of batch inquiries into their batches, then every record keeps its ID and fields, and down restores the rows', async () => {
    const root = await rootConnection();
    const db = `${fresh}_m`;
    let sequelize: ReturnType<typeof createSequelize> | undefined;
    try {
      for (const s of [db, `${db}_vault`]) {
        await root.query(`CREATE DATABASE ${s}`);
        await root.query(`GRANT ALL PRIVILEGES ON ${s}.* TO ?@? WITH GRANT OPTION`, [migrator.username, config.DB_GRANT_HOST]);
      }
      const cfg = parseConfig({ ...process.env, DATABASE_URL: withDb(config.DATABASE_URL, db), VAULT_DATABASE_URL: withDb(config.VAULT_DATABASE_URL, `${db}_vault`),
        MIGRATION_DATABASE_URL: withDb(config.MIGRATION_DATABASE_URL, db) });
      sequelize = createSequelize(cfg.MIGRATION_DATABASE_URL, 1);
      const umzug = createMigrator(cfg, sequelize);
      await umzug.up({ to: '0010_inquiry_batches.ts' });
      const batch = (id: string, members: number) => root.query(
        `INSERT INTO ${db}.inquiry_batches (batch_id, at, remote, operation, purpose, actor, batch_ref, members) VALUES (?, NOW(3), 'chukan', 'inquireHonsekiBatch', 'p', 'a', NULL, ?)`,
        [id, members]);
      const ids = ['0000000a-0000-4000-8000-000000000000', '0000000c-0000-4000-8000-000000000000', '0000000b-0000-4000-8000-000000000000'];
      await batch('029a0000-0000-7000-8000-0000', 3);
      for (const [i, id] of ids.entries()) {
        await root.query(`INSERT INTO ${db}.inquiry_batch_members VALUES (?, '029a0000-0000-7000-8000-0000', ?, ?, ?)`,
          [id, i + 1, i === 1 ? 'not_found' : 'ok', i === 2 ? 'PERMIT-1' : null]);
      }
      const before = async () => (await root.query(`SELECT pseudonym_id, batch_id, seq, outcome, permit_id FROM ${db}.inquiry_batch_members ORDER BY batch_id, seq`))[0];
      const rows = await before();

      // a batch whose positions are not 1…n stops the migration before it changes anything: no record may change its ID
      await batch('029a0000-0000-7000-8000-0001', 1);
      await root.query(`INSERT INTO ${db}.inquiry_batch_members VALUES (?, '029a0000-0000-7000-8000-0001', 2, 'ok', NULL)`, [ids[0]]);
      await expect(umzug.up()).rejects.toThrow(/029a0000-0000-7000-8000-0001.*not migrated/);
      expect(await before()).toEqual([...rows as unknown[], { pseudonym_id: ids[0], batch_id: '029a0000-0000-7000-8000-0001', seq: 2, outcome: 'ok', permit_id: null }]);
      const [cols] = await root.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = 'inquiry_batches'`, [db]);
      expect((cols as Record<string, string>[]).map((r) => Object.values(r)[0])).not.toContain('member_list'); // checked before any change
      await root.query(`UPDATE ${db}.inquiry_batch_members SET seq = 1 WHERE batch_id = '029a0000-0000-7000-8000-0001'`); // mended

      await umzug.up();
      const rowsAfter = await before();
      const [[b]] = await root.query(`SELECT first_pseudonym_id, last_pseudonym_id, member_list FROM ${db}.inquiry_batches ORDER BY batch_id`) as unknown as [Record<string, string>[]];
      expect(b).toMatchObject({ first_pseudonym_id: ids[0], last_pseudonym_id: ids[1] });
      expect(JSON.parse(b!.member_list!)).toEqual([[ids[0], 'ok', null], [ids[1], 'not_found', null], [ids[2], 'ok', 'PERMIT-1']]);
      expect(rowsAfter).toEqual([...rows as unknown[], { pseudonym_id: ids[0], batch_id: '029a0000-0000-7000-8000-0001', seq: 1, outcome: 'ok', permit_id: null }]);
      expect(await errno(cfg.DATABASE_URL, `INSERT INTO ${db}.inquiry_batch_members VALUES ('x', 'x', 1, 'ok', NULL)`)).toBe(1142);
      expect(await errno(cfg.DATABASE_URL, `SELECT COUNT(*) FROM ${db}.inquiry_batch_members`)).toBeNull();

      await umzug.down({ to: '0011_inquiry_member_lists.ts' });
      expect(await before()).toEqual(rowsAfter); // a table again, the same rows
      expect(await errno(cfg.DATABASE_URL, `INSERT INTO ${db}.inquiry_batch_members VALUES ('${ids[0]}', '029a0000-0000-7000-8000-0000', 9, 'ok', NULL)`)).toBeNull();
    } finally {
      await sequelize?.close();
      await root.query(`DROP DATABASE IF EXISTS ${db}`);
      await root.query(`DROP DATABASE IF EXISTS ${db}_vault`);
      await root.end();
    }
  });

  it('when the registrant file has its 18 items, then none of its columns is a My Number', async () => {
    const root = await rootConnection();
    try {
      const [cols] = await root.query(
        'SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = ?', [appSchema]);
      const all = (cols as { t: string; c: string }[]);
      const registrant = all.filter((r) => r.t === 'registrants').map((r) => r.c);
      expect(registrant).toEqual(expect.arrayContaining(['registrant_id', 'portal_pseudonym_id', 'qualification_status',
        'honseki', 'passer_number', 'license_number', 'name_kanji', 'name_kana', 'postal_code', 'phone', 'address',
        'birth_date', 'license_issued_on', 'reissued_on', 'reissue_count', 'return_reason', 'warning', 'remarks']));
      expect(all.filter((r) => /my_?number|kojin/i.test(r.c))).toEqual([]);
    } finally {
      await root.end();
    }
  });

  it('when the application account reads the vault or deletes registry rows, then the grant is missing', async () => {
    expect(await errno(config.DATABASE_URL, `SELECT * FROM ${vaultSchema}.my_number_links`)).toBe(1142);
    expect(await errno(config.DATABASE_URL, `DELETE FROM ${appSchema}.registrants WHERE 1 = 0`)).toBe(1142);
    expect(await errno(config.DATABASE_URL, `UPDATE ${appSchema}.audit_log SET actor = 'x' WHERE 1 = 0`)).toBe(1142);
    expect(await errno(config.DATABASE_URL, `DELETE FROM ${appSchema}.audit_log WHERE 1 = 0`)).toBe(1142);
    expect(await errno(config.VAULT_DATABASE_URL, `SELECT * FROM ${appSchema}.cases`)).toBe(1142);
    expect(await errno(config.VAULT_DATABASE_URL, `DELETE FROM ${vaultSchema}.my_number_links WHERE 1 = 0`)).toBe(1142);
    // and the accounts can do their own work
    expect(await errno(config.DATABASE_URL, `SELECT COUNT(*) FROM ${appSchema}.registrants`)).toBeNull();
    expect(await errno(config.VAULT_DATABASE_URL, `SELECT COUNT(*) FROM ${vaultSchema}.my_number_links`)).toBeNull();
  });
});
