/**
 * Signed checkpoints of the audit log (issue #5, R6.7): someone with root access to the database
 * alters, deletes, reorders, truncates — or rewrites the whole chain with fresh hashes and a new
 * head — and the verification against the checkpoints kept outside the database says so, over
 * HTTP for the auditor and through the admin command. Every tampering is undone afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import type { Connection } from 'mysql2/promise';
import { AuditLog, entryHash, type AuditEntry } from '../../db/audit';
import { CheckpointStore, checkpointKeysFromConfig, verifyAuditLog, writeCheckpoint } from '../../db/audit-checkpoints';
import { appDb, appSchema, config, rootConnection } from '../helpers/env';
import { call, loginAs, newStaff, startApi, type TestApi } from './auth-helpers';

const T = `${appSchema}.audit_log`;
const H = `${appSchema}.audit_head`;

describe('audit log checkpoints', () => {
  const db = appDb();
  const audit = new AuditLog(db, appSchema);
  const keys = checkpointKeysFromConfig(config);
  let store: CheckpointStore;
  let root: Connection;

  const append = (n: number, actor = 'reviewer1') => Promise.all(Array.from({ length: n }, () =>
    audit.append({ actor, action: 'registrant.read', purpose: 'review', targetType: 'registrant', targetId: 'r-1', outcome: 'ok' })));
  const headSeq = async () => Number(((await root.query(`SELECT seq FROM ${H}`)) as unknown as [[{ seq: number }]])[0][0].seq);
  const verifyNow = () => verifyAuditLog(audit, store, keys);

  /** Keeps the rows from `fromSeq` on and the head, and puts them back after `tamper` (whatever it did). */
  async function tampered<T>(fromSeq: number, tamper: () => Promise<void>, check: () => Promise<T>): Promise<T> {
    const [rows] = (await root.query(`SELECT * FROM ${T} WHERE seq >= ? ORDER BY seq`, [fromSeq])) as unknown as [Record<string, unknown>[]];
    const [[head]] = (await root.query(`SELECT * FROM ${H}`)) as unknown as [[Record<string, unknown>]];
    try {
      await tamper();
      return await check();
    } finally {
      await root.query(`DELETE FROM ${T} WHERE seq >= ?`, [fromSeq]);
      for (const r of rows) await root.query(`INSERT INTO ${T} SET ?`, [r]);
      await root.query(`UPDATE ${H} SET seq = ?, hash = ? WHERE id = 1`, [head.seq, head.hash]);
      expect((await verifyNow()).ok).toBe(true);
    }
  }

  /** What an attacker with database access can do: change entry `seq`, then recompute every hash after it and the head. */
  async function rewriteChainFrom(seq: number): Promise<void> {
    await root.query(`UPDATE ${T} SET actor = 'nobody' WHERE seq = ?`, [seq]);
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${T} WHERE seq >= ? ORDER BY seq`,
      { replacements: [seq], type: QueryTypes.SELECT });
    const [before] = await db.query<{ hash: string }>(`SELECT hash FROM ${T} WHERE seq = ?`, { replacements: [seq - 1], type: QueryTypes.SELECT });
    let prev = before.hash;
    for (const r of rows) {
      const e: AuditEntry = { actor: String(r.actor), action: String(r.action), purpose: String(r.purpose),
        targetType: (r.target_type as string | null) ?? undefined, targetId: (r.target_id as string | null) ?? undefined,
        outcome: r.outcome as AuditEntry['outcome'] };
      const hash = entryHash(prev, Number(r.seq), (r.at as Date).toISOString(), e, (r.detail as string | null) ?? null);
      await root.query(`UPDATE ${T} SET prev_hash = ?, hash = ? WHERE seq = ?`, [prev, hash, r.seq]);
      prev = hash;
    }
    await root.query(`UPDATE ${H} SET seq = ?, hash = ? WHERE id = 1`, [rows.at(-1)!.seq, prev]);
  }

  beforeAll(async () => {
    store = new CheckpointStore(await mkdtemp(path.join(os.tmpdir(), 'audit-cp-')));
    root = await rootConnection();
  });
  afterAll(async () => {
    await root.end();
    await db.close();
  });

  it('when the log grows, then each checkpoint signs the verified head and an unchanged log adds none', async () => {
    await append(5);
    const first = await writeCheckpoint(audit, store, keys);
    expect(first.failure).toBeUndefined();
    expect(first.written).toMatchObject({ seq: await headSeq(), keyId: [...config.AUDIT_SIGNING_KEY!.keys()][0] });
    expect((await writeCheckpoint(audit, store, keys)).written).toBeNull();
    await append(5);
    const second = await writeCheckpoint(audit, store, keys);
    expect(second.written!.seq).toBe(first.written!.seq + 5);
    const v = await verifyNow();
    expect(v).toMatchObject({ ok: true, entries: second.written!.seq, root: second.written!.hash,
      checkpoint: { seq: second.written!.seq } });
  });

  it('when an entry is altered, deleted or two are swapped, then verify names the first bad entry', async () => {
    await append(4);
    await writeCheckpoint(audit, store, keys);
    const s = (await headSeq()) - 2;
    const altered = await tampered(s, () => root.query(`UPDATE ${T} SET purpose = 'x' WHERE seq = ?`, [s]).then(() => undefined), verifyNow);
    expect(altered).toMatchObject({ ok: false, firstBadSeq: s, reason: 'chain_broken' });

    const deleted = await tampered(s, () => root.query(`DELETE FROM ${T} WHERE seq = ?`, [s]).then(() => undefined), verifyNow);
    expect(deleted).toMatchObject({ ok: false, firstBadSeq: s, reason: 'chain_broken' });

    const swapped = await tampered(s, async () => {
      await root.query(`UPDATE ${T} SET seq = 999999999 WHERE seq = ?`, [s]);
      await root.query(`UPDATE ${T} SET seq = ? WHERE seq = ?`, [s, s + 1]);
      await root.query(`UPDATE ${T} SET seq = ? WHERE seq = 999999999`, [s + 1]);
    }, verifyNow);
    expect(swapped).toMatchObject({ ok: false, firstBadSeq: s });
  });

  it('when the tail is cut and the head moved back, then the chain alone verifies but the checkpoint catches it', async () => {
    await append(3);
    const cp = (await writeCheckpoint(audit, store, keys)).written!;
    const keep = cp.seq - 2;
    const result = await tampered(keep + 1, async () => {
      const [[last]] = (await root.query(`SELECT hash FROM ${T} WHERE seq = ?`, [keep])) as unknown as [[{ hash: string }]];
      await root.query(`DELETE FROM ${T} WHERE seq > ?`, [keep]);
      await root.query(`UPDATE ${H} SET seq = ?, hash = ? WHERE id = 1`, [keep, last.hash]);
    }, async () => ({ chainOnly: await audit.verify(), full: await verifyNow() }));
    expect(result.chainOnly.ok).toBe(true); // what the hash chain alone can see: nothing
    expect(result.full).toMatchObject({ ok: false, reason: 'truncated', entries: keep, firstBadSeq: keep + 1 });
  });

  it('when the whole chain is recomputed after a change, then the checkpoints show where it was rewritten', async () => {
    await append(3);
    const older = (await writeCheckpoint(audit, store, keys)).written!;
    await append(3);
    const newer = (await writeCheckpoint(audit, store, keys)).written!;
    const victim = older.seq + 2;
    const result = await tampered(victim, () => rewriteChainFrom(victim),
      async () => ({ chainOnly: await audit.verify(), full: await verifyNow(), cp: await writeCheckpoint(audit, store, keys) }));
    expect(result.chainOnly.ok).toBe(true);
    expect(result.full).toMatchObject({ ok: false, reason: 'checkpoint_mismatch', firstBadSeq: older.seq + 1,
      suspectRange: [older.seq + 1, newer.seq] });
    // and the checkpointer refuses to sign the forged chain
    expect(result.cp.written).toBeNull();
    expect(result.cp.failure).toMatchObject({ ok: false, reason: 'checkpoint_mismatch' });
  });

  it('when a checkpoint file is edited, then its signature no longer holds and verify fails', async () => {
    const seqs = await store.seqs();
    const file = path.join(store.dir, `${String(seqs.at(-1)).padStart(12, '0')}.json`);
    const original = await readFile(file, 'utf8');
    await chmod(file, 0o600);
    try {
      await writeFile(file, original.replace(/"hash":"[0-9a-f]{2}/, '"hash":"00'));
      expect(await verifyNow()).toMatchObject({ ok: false, reason: 'checkpoint_invalid', invalidCheckpointSeq: seqs.at(-1) });
    } finally {
      await writeFile(file, original);
    }
    expect((await verifyNow()).ok).toBe(true);
  });

  describe('for the auditor', () => {
    let api: TestApi;
    let auditor: string;
    let reviewer: string;
    beforeAll(async () => {
      api = await startApi({ AUDIT_CHECKPOINT_DIR: store.dir });
      auditor = await loginAs(api.url, await newStaff(api.ctx, 'auditor'));
      reviewer = await loginAs(api.url, await newStaff(api.ctx, 'reviewer'));
    });
    afterAll(() => api.close());

    const admin = (...args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
      execFile('npx', ['tsx', 'scripts/admin.ts', ...args], { cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, AUDIT_CHECKPOINT_DIR: store.dir } }, (err, stdout) => resolve({ code: err ? Number(err.code) : 0, out: stdout }));
    });

    it('when the log is intact, then GET /audit/verify answers ok with the count and root, and a reviewer gets 403', async () => {
      await writeCheckpoint(audit, store, keys);
      const r = await call(api.url, 'GET', '/api/v1/audit/verify', { token: auditor });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: true, entries: expect.any(Number), root: expect.stringMatching(/^[0-9a-f]{64}$/),
        checkpoint: { seq: expect.any(Number) } });
      expect((await call(api.url, 'GET', '/api/v1/audit/verify', { token: reviewer })).status).toBe(403);
      expect((await call(api.url, 'GET', '/api/v1/audit/verify')).status).toBe(401);
    });

    it('when the chain was recomputed, then the endpoint and the admin command (exit code 1) report it', async () => {
      await append(2);
      const cp = (await writeCheckpoint(audit, store, keys)).written!;
      const ok = await admin('audit:verify', '--json');
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.out.trim().split('\n').at(-1)!)).toMatchObject({ ok: true });
      const victim = cp.seq - 1;
      const { http, cli } = await tampered(victim, () => rewriteChainFrom(victim),
        async () => ({ http: await call(api.url, 'GET', '/api/v1/audit/verify', { token: auditor }), cli: await admin('audit:verify') }));
      expect(http.status).toBe(200);
      expect(http.body).toMatchObject({ ok: false, reason: 'checkpoint_mismatch', firstBadSeq: expect.any(Number) });
      expect(Number(http.body.firstBadSeq)).toBeLessThanOrEqual(victim);
      expect(cli.code).toBe(1);
      expect(cli.out).toMatch(/FAILED \(checkpoint_mismatch\)/);
    });
  });
});
