/**
 * The worker's periodic audit duties (R6.7): a signed checkpoint every AUDIT_CHECKPOINT_INTERVAL_S
 * and a usage-record analysis every AUDIT_ANALYSIS_INTERVAL_S.
 *
 * Why timers in the worker and not a Temporal Schedule: both jobs are idempotent and keep their
 * state outside the process — the checkpoint files (the next one covers every entry since the
 * last, so a missed period loses nothing) and the analysis's own audit entry (the next run
 * continues from the sequence number it recorded). A restart simply runs them again a few seconds
 * after start-up. Several workers may run them: a checkpoint file is created once per sequence
 * number and the analysis takes a database named lock. The signing key stays on the hosts that
 * write checkpoints, rather than travelling through an activity.
 */
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { AuditLog } from '../db/audit';
import { runAuditAnalysis } from '../db/audit-analysis';
import { CheckpointStore, checkpointKeysFromConfig, writeCheckpoint } from '../db/audit-checkpoints';
import { dbUrlParts } from '../db/connection';

const FIRST_RUN_DELAY_MS = 5_000;

export interface Housekeeping {
  stop(): Promise<void>;
}

export function startAuditHousekeeping(config: Config, db: Sequelize, logger: Logger): Housekeeping {
  const audit = new AuditLog(db, dbUrlParts(config.DATABASE_URL).database);
  const store = new CheckpointStore(config.AUDIT_CHECKPOINT_DIR);
  const keys = checkpointKeysFromConfig(config);
  const running = new Set<Promise<void>>();

  const checkpoint = async () => {
    const out = await writeCheckpoint(audit, store, keys);
    if (out.failure) {
      // Never sign a log that does not verify: say so loudly and leave a trace in the log itself.
      logger.error({ audit: out.failure }, 'audit log verification failed; no checkpoint written');
      await audit.append({ actor: 'system:audit-checkpoint', action: 'audit.verify', purpose: 'audit checkpoint (R6.7)',
        outcome: 'error', detail: { reason: out.failure.reason, firstBadSeq: out.failure.firstBadSeq } });
    } else if (out.written) {
      logger.info({ seq: out.written.seq }, 'audit checkpoint written');
    }
  };
  const analyse = async () => {
    const run = await runAuditAnalysis(db, audit);
    if (run?.findings.length) logger.warn({ findings: run.findings.length, toSeq: run.toSeq }, 'audit analysis flagged findings');
  };

  const every = (name: string, seconds: number, job: () => Promise<void>) => {
    const tick = () => {
      const p = job().catch((err: Error) => logger.error({ err: { name: err.name, message: err.message } }, `${name} failed`))
        .finally(() => running.delete(p));
      running.add(p);
    };
    const first = setTimeout(tick, FIRST_RUN_DELAY_MS);
    const timer = setInterval(tick, seconds * 1000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  };

  const stops: (() => void)[] = [];
  if (keys.signer) stops.push(every('audit checkpoint', config.AUDIT_CHECKPOINT_INTERVAL_S, checkpoint));
  else logger.warn('AUDIT_SIGNING_KEY is not set: this worker writes no audit checkpoints');
  stops.push(every('audit analysis', config.AUDIT_ANALYSIS_INTERVAL_S, analyse));

  return {
    async stop() {
      stops.forEach((s) => s());
      await Promise.allSettled([...running]);
    },
  };
}
