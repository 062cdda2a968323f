/**
 * The worker's periodic retention purge of inquiry results (R4.6, R6.9), every
 * INQUIRY_PURGE_INTERVAL_S. A timer rather than a Temporal Schedule for the reasons given in
 * audit-housekeeping.ts: the purge is one idempotent UPDATE whose state is the table itself, so a
 * missed period loses nothing and several workers running it at once purge each row once.
 */
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { AuditLog } from '../db/audit';
import { dbUrlParts } from '../db/connection';
import { purgeExpiredInquiryResults } from '../db/inquiry-retention';

const FIRST_RUN_DELAY_MS = 5_000;

export interface InquiryPurge {
  stop(): Promise<void>;
}

export function startInquiryPurge(config: Pick<Config, 'DATABASE_URL' | 'INQUIRY_PURGE_INTERVAL_S'>, db: Sequelize,
  logger: Logger): InquiryPurge {
  const audit = new AuditLog(db, dbUrlParts(config.DATABASE_URL).database);
  const running = new Set<Promise<void>>();
  const tick = () => {
    const p = purgeExpiredInquiryResults(db, audit)
      .then(({ purged }) => {
        if (purged) logger.info({ purged }, 'inquiry results past their retention purged');
      })
      .catch((err: Error) => logger.error({ err: { name: err.name, message: err.message } }, 'inquiry result purge failed'))
      .finally(() => running.delete(p));
    running.add(p);
  };
  const first = setTimeout(tick, FIRST_RUN_DELAY_MS);
  const timer = setInterval(tick, config.INQUIRY_PURGE_INTERVAL_S * 1000);
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
