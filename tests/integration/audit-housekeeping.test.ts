/** The worker's periodic audit duties actually run: entries get sealed, a checkpoint file and an analysis entry appear. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { createLogger } from '../../common/logger';
import { AuditLog } from '../../db/audit';
import { CheckpointStore } from '../../db/audit-checkpoints';
import { startAuditHousekeeping } from '../../worker/audit-housekeeping';
import { appDb, appSchema, config } from '../helpers/env';

describe('worker audit housekeeping', () => {
  const db = appDb();
  afterAll(() => db.close());

  it('when the worker has run a few seconds, then the head is checkpointed and the log analysed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'audit-hk-'));
    await new AuditLog(db, appSchema, undefined, 0).seal(); // what earlier tests left unsealed: not this test's business
    const { seq } = await new AuditLog(db, appSchema).append({ actor: 'jest', action: 'case.read', purpose: 'test', outcome: 'ok' });
    const sealed = async () => (await db.query(`SELECT pos FROM ${appSchema}.audit_chain WHERE entry_seq = ?`,
      { replacements: [seq], type: QueryTypes.SELECT })).length === 1;
    const maxRunBefore = async () => Number((await db.query<{ m: number | null }>(
      "SELECT MAX(seq) AS m FROM audit_log WHERE action = 'audit.analysis'", { type: QueryTypes.SELECT }))[0].m ?? 0);
    const before = await maxRunBefore();
    const hk = startAuditHousekeeping({ ...config, AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_S: 3600, AUDIT_ANALYSIS_INTERVAL_S: 3600,
      AUDIT_SEAL_INTERVAL_MS: 500 },
      db, createLogger('test', 'silent'));
    try {
      // the sealer runs every half second; the checkpoint and the analysis (which seal too) first run after five
      const sealUntil = Date.now() + 4_000;
      while (Date.now() < sealUntil && !(await sealed())) await new Promise((r) => setTimeout(r, 100));
      expect(await sealed()).toBe(true);
      expect(await new CheckpointStore(dir).seqs()).toEqual([]); // sealed by the sealer, not by a checkpoint
      expect(await maxRunBefore()).toBe(before); // nor by an analysis
      const until = Date.now() + 20_000;
      while (Date.now() < until && ((await new CheckpointStore(dir).seqs()).length === 0 || (await maxRunBefore()) === before)) {
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await hk.stop();
    }
    expect((await new CheckpointStore(dir).seqs()).length).toBeGreaterThan(0);
    expect(await maxRunBefore()).toBeGreaterThan(before);
  });
});
