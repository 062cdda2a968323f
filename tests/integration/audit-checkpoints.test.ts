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
const C = `${appSchema}.audit_chain`;
const G = `${appSchema}.audit_gaps`;
const H = `${appSchema}.audit_head`;

type Row = Record<string, unknown>;

describe('audit log checkpoints', () => {
  const db = appDb();
  const audit = new AuditLog(db, appSchema, undefined, 0);
  const keys = checkpointKeysFromConfig(config);
  let store: CheckpointStore;
  let root: Connection;

  const append = (n: number, actor = 'reviewer1') => Promise.all(Array.from({ length: n }, () =>
    audit.append({ actor, action: 'registrant.read', purpose: 'review', targetType: 'registrant', targetId: 'r-1', outcome: 'ok' })));
  const select = async (sql: string, params: unknown[] = []) => ((await root.query(sql, params)) as unknown as [Row[]])[0];
  const headPos = async () => Number((await select(`SELECT pos FROM ${H}`))[0].pos);
  const entryAt = async (pos: number) => Number((await select(`SELECT entry_seq FROM ${C} WHERE pos = ?`, [pos]))[0].entry_seq);
  const verifyNow = () => verifyAuditLog(audit, store, keys);

  /**
   * Keeps the chain from position `fromPos` on, the entries and gap records from its first entry
   * on, and the head; puts them all back after `tamper` and `check` (whatever they did, including
   * entries appended meanwhile).
   */
  async function tampered<R>(fromPos: number, tamper: () => Promise<void>, check: () => Promise<R>): Promise<R> {
    await audit.seal();
    const chain = await select(`SELECT * FROM ${C} WHERE pos >= ? ORDER BY pos`, [fromPos]);
    const fromSeq = Math.min(...chain.map((r) => Number(r.entry_seq)));
    const entries = await select(`SELECT * FROM ${T} WHERE seq >= ? ORDER BY seq`, [fromSeq]);
    const gaps = await select(`SELECT * FROM ${G} WHERE seq >= ?`, [fromSeq]);
    const [head] = await select(`SELECT * FROM ${H}`);
    try {
      await tamper();
      return await check();
    } finally {
      await root.query(`DELETE FROM ${C} WHERE pos >= ?`, [fromPos]);
      await root.query(`DELETE FROM ${T} WHERE seq >= ?`, [fromSeq]);
      await root.query(`DELETE FROM ${G} WHERE seq >= ?`, [fromSeq]);
      for (const r of entries) await root.query(`INSERT INTO ${T} SET ?`, [r]);
      for (const r of chain) await root.query(`INSERT INTO ${C} SET ?`, [r]);
      for (const r of gaps) await root.query(`INSERT INTO ${G} SET ?`, [r]);
      await root.query(`UPDATE ${H} SET pos = ?, hash = ?, sealed_through = ? WHERE id = 1`, [head.pos, head.hash, head.sealed_through]);
      expect((await verifyNow()).ok).toBe(true);
    }
  }

  /** What an attacker with database access can do: change the entry at chain position `pos`, then recompute every hash after it and the head. */
  async function rewriteChainFrom(pos: number): Promise<void> {
    await root.query(`UPDATE ${T} SET actor = 'nobody' WHERE seq = ?`, [await entryAt(pos)]);
    const rows = await db.query<Row>(`SELECT c.pos, ${['seq', 'at', 'actor', 'action', 'purpose', 'target_type', 'target_id', 'outcome', 'detail']
      .map((col) => `a.${col}`).join(', ')} FROM ${C} c JOIN ${T} a ON a.seq = c.entry_seq WHERE c.pos >= ? ORDER BY c.pos`,
    { replacements: [pos], type: QueryTypes.SELECT });
    let prev = String((await select(`SELECT hash FROM ${C} WHERE pos = ?`, [pos - 1]))[0].hash);
    for (const r of rows) {
      const e: AuditEntry = { actor: String(r.actor), action: String(r.action), purpose: String(r.purpose),
        targetType: (r.target_type as string | null) ?? undefined, targetId: (r.target_id as string | null) ?? undefined,
        outcome: r.outcome as AuditEntry['outcome'] };
      const hash = entryHash(prev, Number(r.seq), (r.at as Date).toISOString(), e, (r.detail as string | null) ?? null);
      await root.query(`UPDATE ${C} SET prev_hash = ?, hash = ? WHERE pos = ?`, [prev, hash, r.pos]);
      prev = hash;
    }
    await root.query(`UPDATE ${H} SET pos = ?, hash = ? WHERE id = 1`, [rows.at(-1)!.pos, prev]);
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
    expect(first.written).toMatchObject({ seq: await headPos(), keyId: [...config.AUDIT_SIGNING_KEY!.keys()][0] });
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
    const s = (await headPos()) - 2;
    const seq = await entryAt(s);
    const altered = await tampered(s, () => root.query(`UPDATE ${T} SET purpose = 'x' WHERE seq = ?`, [seq]).then(() => undefined), verifyNow);
    expect(altered).toMatchObject({ ok: false, firstBadPos: s, firstBadSeq: seq, reason: 'chain_broken' });

    const deleted = await tampered(s, () => root.query(`DELETE FROM ${T} WHERE seq = ?`, [seq]).then(() => undefined), verifyNow);
    expect(deleted).toMatchObject({ ok: false, firstBadPos: s, firstBadSeq: seq, reason: 'chain_broken' });

    const swapped = await tampered(s, async () => {
      const next = await entryAt(s + 1);
      await root.query(`UPDATE ${C} SET entry_seq = -1 WHERE pos = ?`, [s]);
      await root.query(`UPDATE ${C} SET entry_seq = ? WHERE pos = ?`, [seq, s + 1]);
      await root.query(`UPDATE ${C} SET entry_seq = ? WHERE pos = ?`, [next, s]);
    }, verifyNow);
    expect(swapped).toMatchObject({ ok: false, firstBadPos: s });
  });

  it('when the tail is cut — entries, chain and head moved back — then the chain alone verifies but the checkpoint catches it', async () => {
    await append(3);
    const cp = (await writeCheckpoint(audit, store, keys)).written!;
    const keep = cp.seq - 2;
    const result = await tampered(keep + 1, async () => {
      const [last] = await select(`SELECT hash, entry_seq FROM ${C} WHERE pos = ?`, [keep]);
      const cut = (await select(`SELECT entry_seq FROM ${C} WHERE pos > ?`, [keep])).map((r) => r.entry_seq);
      await root.query(`DELETE FROM ${C} WHERE pos > ?`, [keep]);
      await root.query(`DELETE FROM ${T} WHERE seq IN (?)`, [cut]);
      await root.query(`UPDATE ${H} SET pos = ?, hash = ?, sealed_through = ? WHERE id = 1`, [keep, last.hash, last.entry_seq]);
    }, async () => ({ chainOnly: await audit.verify(), full: await verifyNow() }));
    expect(result.chainOnly.ok).toBe(true); // what the hash chain alone can see: nothing
    expect(result.full).toMatchObject({ ok: false, reason: 'truncated', entries: keep, firstBadPos: keep + 1 });
  });

  it('when only the chain is cut and the head moved back, then the entries left unsealed give it away even without a checkpoint', async () => {
    await append(3);
    await audit.seal();
    const keep = (await headPos()) - 2;
    const result = await tampered(keep + 1, async () => {
      const [last] = await select(`SELECT hash FROM ${C} WHERE pos = ?`, [keep]);
      await root.query(`DELETE FROM ${C} WHERE pos > ?`, [keep]);
      await root.query(`UPDATE ${H} SET pos = ?, hash = ? WHERE id = 1`, [keep, last.hash]);
    }, () => audit.verify());
    expect(result).toMatchObject({ ok: false, problem: 'unsealed', firstBadPos: keep + 1 });
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
    expect(result.full).toMatchObject({ ok: false, reason: 'checkpoint_mismatch', firstBadPos: older.seq + 1,
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
      expect(http.body).toMatchObject({ ok: false, reason: 'checkpoint_mismatch', firstBadPos: expect.any(Number), firstBadSeq: expect.any(Number) });
      expect(Number(http.body.firstBadPos)).toBeLessThanOrEqual(victim);
      expect(cli.code).toBe(1);
      expect(cli.out).toMatch(/FAILED \(checkpoint_mismatch\)/);
    });
  });
});
