/**
 * Migrations (umzug over the migrator account). The schema only ever comes from here, never
 * from sequelize.sync(). Each migration receives the schema and account names from the
 * configuration, so the grants that keep the vault apart are part of the schema history.
 */
import path from 'node:path';
import { Umzug, SequelizeStorage } from 'umzug';
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import { createSequelize, dbUrlParts } from './connection';

export interface MigrationContext {
  sequelize: Sequelize;
  /** Schema of the application data. */
  appSchema: string;
  /** Schema of the My Number link table (R5.1). */
  vaultSchema: string;
  /** `'user'@'host'` of the application account. */
  appAccount: string;
  /** `'user'@'host'` of the vault account. */
  vaultAccount: string;
  /** Runs statements one by one (MySQL takes one statement per query). */
  exec(...sql: string[]): Promise<void>;
}

export function migrationContext(config: Config, sequelize: Sequelize): MigrationContext {
  const account = (url: string) => `'${dbUrlParts(url).user}'@'${config.DB_GRANT_HOST}'`;
  return {
    sequelize,
    appSchema: dbUrlParts(config.DATABASE_URL).database,
    vaultSchema: dbUrlParts(config.VAULT_DATABASE_URL).database,
    appAccount: account(config.DATABASE_URL),
    vaultAccount: account(config.VAULT_DATABASE_URL),
    async exec(...sql: string[]) {
      for (const s of sql) await sequelize.query(s);
    },
  };
}

export function createMigrator(config: Config, sequelize: Sequelize) {
  const ext = path.extname(__filename); // .ts under tsx/jest, .js when built
  return new Umzug<MigrationContext>({
    migrations: { glob: ['migrations/*' + ext, { cwd: __dirname, ignore: ['**/*.d.ts'] }] },
    context: migrationContext(config, sequelize),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

/** Applies every pending migration; returns the names applied. */
export async function migrateUp(config: Config): Promise<string[]> {
  const sequelize = createSequelize(config.MIGRATION_DATABASE_URL, 2);
  try {
    const applied = await createMigrator(config, sequelize).up();
    return applied.map((m) => m.name);
  } finally {
    await sequelize.close();
  }
}
