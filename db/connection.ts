/**
 * Database connections. Each process opens at most one pool per account:
 * - the application account (DATABASE_URL): everything but the My Number;
 * - the vault account (VAULT_DATABASE_URL): only the My Number link table (R5.1);
 * - the migrator account (MIGRATION_DATABASE_URL): schema changes and grants, used by scripts.
 * SQL is never logged: statements carry personal data as bound values.
 */
import { Sequelize } from 'sequelize';

export interface DbUrlParts {
  user: string;
  database: string;
}

export function dbUrlParts(url: string): DbUrlParts {
  const u = new URL(url);
  return { user: decodeURIComponent(u.username), database: u.pathname.replace(/^\//, '') };
}

export function createSequelize(url: string, poolMax = 10): Sequelize {
  const u = new URL(url);
  return new Sequelize({
    dialect: 'mysql',
    host: u.hostname,
    port: Number(u.port || 3306),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, '') || undefined,
    logging: false,
    timezone: '+00:00',
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 30_000 },
    dialectOptions: { charset: 'utf8mb4', dateStrings: false, supportBigNumbers: true },
    define: { underscored: true, timestamps: false, freezeTableName: true },
  });
}

/** A DATETIME(3) literal in UTC with milliseconds (Sequelize's own Date escaping drops them). */
export function sqlTime(d: Date = new Date()): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
