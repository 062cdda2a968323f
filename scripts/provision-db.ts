/**
 * Local provisioning of the project's MariaDB (what a DBA does once in production):
 * the two schemas and the three accounts. Tables and table grants come from the migrations.
 * Connects as the OS root user over the server's unix socket (MARIADB_SOCKET).
 *   --reset  drops both schemas first (the test command starts from an empty database)
 */
import mysql from 'mysql2/promise';
import { loadConfigOrExit } from '../common/config';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const socketPath = process.env.MARIADB_SOCKET; // set by scripts/lib.sh; local provisioning only
  if (!socketPath) throw new Error('MARIADB_SOCKET is not set: provisioning only runs on the local MariaDB');
  const conn = await mysql.createConnection({ socketPath, user: 'root' });
  const esc = (s: string) => conn.escape(s);
  const accounts = [config.MIGRATION_DATABASE_URL, config.DATABASE_URL, config.VAULT_DATABASE_URL].map((u) => new URL(u));
  const [migrator, app, vault] = accounts;
  const appSchema = app.pathname.slice(1);
  const vaultSchema = vault.pathname.slice(1);
  const host = config.DB_GRANT_HOST;
  try {
    if (process.argv.includes('--reset')) {
      await conn.query(`DROP DATABASE IF EXISTS \`${vaultSchema}\``);
      await conn.query(`DROP DATABASE IF EXISTS \`${appSchema}\``);
    }
    for (const schema of [appSchema, vaultSchema]) {
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${schema}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    }
    for (const a of accounts) {
      const user = decodeURIComponent(a.username);
      await conn.query(`CREATE USER IF NOT EXISTS ${esc(user)}@${esc(host)} IDENTIFIED BY ${esc(decodeURIComponent(a.password))}`);
      await conn.query(`ALTER USER ${esc(user)}@${esc(host)} IDENTIFIED BY ${esc(decodeURIComponent(a.password))}`);
    }
    const m = `${esc(decodeURIComponent(migrator.username))}@${esc(host)}`;
    for (const schema of [appSchema, vaultSchema]) {
      await conn.query(`GRANT ALL PRIVILEGES ON \`${schema}\`.* TO ${m} WITH GRANT OPTION`);
    }
    process.stdout.write(`provisioned schemas ${appSchema}, ${vaultSchema} and their accounts\n`);
  } finally {
    await conn.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`provision-db: ${err.message}\n`);
  process.exit(1);
});
