/**
 * The services the HTTP layer uses beyond the database: the My Number vault (intake only), the
 * audit log, the document store and the payment gateway adapter (webhook checks, late refunds).
 * Built once per process; `close()` releases the vault's pool and the adapter's breaker.
 */
import type { Sequelize } from 'sequelize';
import { createPaymentGatewayAdapter, type PaymentGatewayAdapter } from '../adapters';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { AuditLog } from '../db/audit';
import { createSequelize, dbUrlParts } from '../db/connection';
import { DocumentStore } from '../db/documents';
import type { MyNumberVault } from '../db/vault';
import { vaultFor } from '../activities/runtime';
import type { CaseSettings, CaseType } from '../workflows/case/model';

export interface ApiServices {
  vault: MyNumberVault;
  audit: AuditLog;
  documents: DocumentStore;
  payments: PaymentGatewayAdapter;
  caseSettings(type: CaseType): CaseSettings;
  close(): Promise<void>;
}

export function caseSettingsFrom(config: Config): (type: CaseType) => CaseSettings {
  const fees: Record<CaseType, number> = {
    registration: config.FEE_REGISTRATION, change: config.FEE_CHANGE, rewrite: config.FEE_REWRITE,
    reissue: config.FEE_REISSUE, deletion: config.FEE_DELETION, return: config.FEE_RETURN,
  };
  return (type) => ({
    fee: fees[type],
    reviewDueBusinessDays: config.REVIEW_DUE_BUSINESS_DAYS,
    paymentExpiry: config.PAYMENT_EXPIRY as CaseSettings['paymentExpiry'],
    correctionExpiry: config.CORRECTION_EXPIRY as CaseSettings['correctionExpiry'],
  });
}

export function createApiServices(config: Config, db: Sequelize, logger?: Logger): ApiServices {
  const vaultDb = createSequelize(config.VAULT_DATABASE_URL, Math.max(2, Math.ceil(config.DB_POOL_MAX / 2)));
  const payments = createPaymentGatewayAdapter({ baseUrl: config.PAYMENT_SIM_URL, webhookSecret: config.PAYMENT_WEBHOOK_SECRET, logger });
  return {
    vault: vaultFor(config, vaultDb),
    audit: new AuditLog(db, dbUrlParts(config.DATABASE_URL).database),
    documents: new DocumentStore(db, config.DOCUMENT_STORE_DIR),
    payments,
    caseSettings: caseSettingsFrom(config),
    async close() {
      payments.shutdown();
      await vaultDb.close();
    },
  };
}
