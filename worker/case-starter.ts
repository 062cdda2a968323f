/**
 * The backstop for intake's two writes. `POST /api/v1/cases` (and `fileSystemCase`) commits the
 * case row, then starts its workflow; a crash between the two leaves a case `received` with no
 * workflow. A client that retries with its Idempotency-Key starts it (intake's replay), but one
 * that gives up would leave the application lying there unseen. Every CASE_STARTER_INTERVAL_S the
 * worker starts the workflow of each case still `received` CASE_STARTER_GRACE_S after it was
 * filed; a workflow that is already running or finished is left alone (REJECT_DUPLICATE), so
 * several workers, or the starter racing the API, start each case once.
 *
 * A timer rather than a Temporal Schedule for the reasons in audit-housekeeping.ts: the state is
 * the cases table itself, so a missed tick loses nothing.
 */
import type { Client } from '@temporalio/client';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { sqlTime } from '../db/connection';
import { startCaseWorkflow } from '../api/cases/start-workflow';
import type { CaseSettings, CaseType, Channel, PaymentMethod } from '../workflows/case/model';

const PAGE = 200;

export interface CaseStarterDeps {
  db: Sequelize;
  temporal: Client;
  taskQueue: string;
  caseSettings(type: CaseType): CaseSettings;
  logger: Logger;
}

/** One pass: starts the workflows of cases `received` before `olderThan`; returns how many it started. */
export async function startOrphanedCases(deps: CaseStarterDeps, olderThan: Date): Promise<number> {
  let started = 0;
  let after = '';
  for (;;) {
    const rows = await deps.db.query<{ case_id: string; type: CaseType; channel: Channel; payment_method: PaymentMethod }>(
      `SELECT case_id, type, channel, payment_method FROM cases
        WHERE status = 'received' AND created_at < ? AND case_id > ? ORDER BY case_id LIMIT ${PAGE}`,
      { replacements: [sqlTime(olderThan), after], type: QueryTypes.SELECT });
    for (const r of rows) {
      if (await startCaseWorkflow(deps.temporal, deps.taskQueue, deps.caseSettings,
        { caseId: r.case_id, type: r.type, channel: r.channel, paymentMethod: r.payment_method })) {
        started++;
        deps.logger.warn({ caseId: r.case_id }, 'case had no workflow (intake interrupted): started it');
      }
    }
    if (rows.length < PAGE) return started;
    after = rows[rows.length - 1].case_id;
  }
}

export interface CaseStarter {
  stop(): Promise<void>;
}

export function startCaseStarter(config: Pick<Config, 'CASE_STARTER_INTERVAL_S' | 'CASE_STARTER_GRACE_S'>, deps: CaseStarterDeps): CaseStarter {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return; // a slow pass is not overlapped by the next
    running = startOrphanedCases(deps, new Date(Date.now() - config.CASE_STARTER_GRACE_S * 1000))
      .catch((err: Error) => deps.logger.error({ err: { name: err.name, message: err.message } }, 'case starter pass failed'))
      .finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, config.CASE_STARTER_INTERVAL_S * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
