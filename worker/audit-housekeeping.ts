/**
 * The worker's periodic audit duties (R6.7): sealing committed entries into the hash chain every
 * AUDIT_SEAL_INTERVAL_MS (db/audit.ts), a signed checkpoint every AUDIT_CHECKPOINT_INTERVAL_S and
 * a usage-record analysis every AUDIT_ANALYSIS_INTERVAL_S.
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
  const audit = new AuditLog(db, dbUrlParts(config.DATABASE_URL).database, undefined, config.AUDIT_SEAL_GRACE_S * 1000);
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
  const seal = async () => {
    const r = await audit.seal();
    if (r.late) logger.warn({ late: r.late }, 'audit entries sealed late: their transactions committed after the grace period');
    if (r.gaps.length) logger.info({ gaps: r.gaps.length, first: r.gaps[0] }, 'audit numbers without an entry stepped over (rolled-back appends)');
  };
  const analyse = async () => {
    const run = await runAuditAnalysis(db, audit);
    if (run?.findings.length) logger.warn({ findings: run.findings.length, toSeq: run.toSeq }, 'audit analysis flagged findings');
  };

  const every = (name: string, intervalMs: number, job: () => Promise<void>, firstMs = FIRST_RUN_DELAY_MS) => {
    let busy = false; // a slow run (a large backlog) is not overlapped by the next tick
    const tick = () => {
      if (busy) return;
      busy = true;
      const p = job().catch((err: Error) => logger.error({ err: { name: err.name, message: err.message } }, `${name} failed`))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    };
    const first = setTimeout(tick, firstMs);
    const timer = setInterval(tick, intervalMs);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  };

  const stops: (() => void)[] = [];
  stops.push(every('audit sealing', config.AUDIT_SEAL_INTERVAL_MS, seal, Math.min(config.AUDIT_SEAL_INTERVAL_MS, 1000)));
  if (keys.signer) stops.push(every('audit checkpoint', config.AUDIT_CHECKPOINT_INTERVAL_S * 1000, checkpoint));
  else logger.warn('AUDIT_SIGNING_KEY is not set: this worker writes no audit checkpoints');
  stops.push(every('audit analysis', config.AUDIT_ANALYSIS_INTERVAL_S * 1000, analyse));

  return {
    async stop() {
      stops.forEach((s) => s());
      await Promise.allSettled([...running]);
    },
  };
}
