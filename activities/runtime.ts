/**
 * Builds everything the activities need from the configuration, once per process (worker, tests,
 * benchmarks): the application and vault connection pools, the audit log, the adapters with
 * their circuit breakers, the document store and the queues. `close()` releases all of it.
 */
import { createChukanAdapter, createJukiAdapter, createPaymentGatewayAdapter } from '../adapters';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { createQueues, type Queues } from '../common/queues';
import { AuditLog } from '../db/audit';
import { createSequelize, dbUrlParts } from '../db/connection';
import { DocumentStore } from '../db/documents';
import { MyNumberVault } from '../db/vault';
import { credentialContext, CredentialError, issuePaperLicenseQr } from '../credential/service';
import type { QrModules } from '../credential/qr';
import { SYSTEM_ACTOR, type CaseActivityDeps } from './case';

export interface Runtime extends CaseActivityDeps {
  close(): Promise<void>;
}

export function vaultFor(config: Config, vaultDb: ReturnType<typeof createSequelize>): MyNumberVault {
  const appSchema = dbUrlParts(config.DATABASE_URL).database;
  const vaultSchema = dbUrlParts(config.VAULT_DATABASE_URL).database;
  return new MyNumberVault(vaultDb, vaultSchema,
    { ring: config.MYNUMBER_KEYS, activeKeyId: config.MYNUMBER_ACTIVE_KEY_ID, indexKey: config.MYNUMBER_INDEX_KEY },
    new AuditLog(vaultDb, appSchema));
}

export function publicBaseUrl(config: Config): string {
  return config.PUBLIC_BASE_URL ?? `http://${config.API_HOST}:${config.PORT}`;
}

export function createRuntime(config: Config, opts: { logger?: Logger; queues?: Queues; publicBaseUrl?: string } = {}): Runtime {
  const db = createSequelize(config.DATABASE_URL, config.DB_POOL_MAX);
  const vaultDb = createSequelize(config.VAULT_DATABASE_URL, Math.max(2, Math.ceil(config.DB_POOL_MAX / 2)));
  const ownQueues = !opts.queues;
  const queues = opts.queues ?? createQueues(config.REDIS_URL);
  const juki = createJukiAdapter({ baseUrl: config.JUKI_SIM_URL, logger: opts.logger });
  const chukan = createChukanAdapter({ baseUrl: config.CHUKAN_SIM_URL, logger: opts.logger });
  const payments = createPaymentGatewayAdapter({ baseUrl: config.PAYMENT_SIM_URL, webhookSecret: config.PAYMENT_WEBHOOK_SECRET, logger: opts.logger });
  return {
    db,
    audit: new AuditLog(db, dbUrlParts(config.DATABASE_URL).database),
    vault: vaultFor(config, vaultDb),
    juki, chukan, payments, queues,
    documents: new DocumentStore(db, config.DOCUMENT_STORE_DIR),
    publicBaseUrl: opts.publicBaseUrl ?? publicBaseUrl(config),
    inquiryRetentionDays: config.INQUIRY_RESULT_RETENTION_DAYS,
    licenseQr: config.CREDENTIAL_SIGNING_KEYS ? paperQr(credentialContext(config, db)) : undefined,
    async close() {
      juki.shutdown();
      chukan.shutdown();
      payments.shutdown();
      await Promise.allSettled([db.close(), vaultDb.close(), ownQueues ? queues.close() : Promise.resolve()]);
    },
  };
}

/** The QR printed on the paper license: a long-lived standard-profile credential (issue #7). */
function paperQr(ctx: ReturnType<typeof credentialContext>) {
  return async (registrantId: string): Promise<QrModules | undefined> => {
    try {
      return (await issuePaperLicenseQr(ctx, { registrantId, actor: SYSTEM_ACTOR })).modules;
    } catch (err) {
      if (err instanceof CredentialError && err.code === 'UNAVAILABLE') return undefined;
      throw err;
    }
  };
}
