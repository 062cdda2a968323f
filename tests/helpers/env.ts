/** Shared set-up for tests that talk to the real services started by scripts/test.sh. */
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { loadConfig, type Config } from '../../common/config';
import { createSequelize, dbUrlParts } from '../../db/connection';
import { createLogger } from '../../common/logger';
import { installTemporalRuntime } from '../../common/temporal';

export const config: Config = loadConfig();

// Temporal's own logs through our scrubbing logger, warnings and up only (one runtime per process).
try {
  installTemporalRuntime(createLogger('temporal-test', 'warn'));
} catch {
  /* already installed by an earlier test file in this process */
}

export const appDb = () => createSequelize(config.DATABASE_URL, 4);
export const vaultDb = () => createSequelize(config.VAULT_DATABASE_URL, 2);
export const appSchema = dbUrlParts(config.DATABASE_URL).database;
export const vaultSchema = dbUrlParts(config.VAULT_DATABASE_URL).database;

/** A root connection over the local socket: only for tests that must play the attacker or the DBA. */
export async function rootConnection(): Promise<mysql.Connection> {
  const socketPath = process.env.MARIADB_SOCKET;
  if (!socketPath) throw new Error('MARIADB_SOCKET is not set: run the suite with `npm test`');
  return mysql.createConnection({ socketPath, user: 'root', multipleStatements: false });
}

export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
