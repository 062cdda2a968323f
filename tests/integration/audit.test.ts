import { AuditLog } from '../../db/audit';
import { appDb, appSchema, rootConnection } from '../helpers/env';

describe('audit log hash chain', () => {
  const db = appDb();
  const audit = new AuditLog(db, appSchema);
  afterAll(() => db.close());

  it('when entries are appended concurrently, then the chain verifies', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      audit.append({ actor: `staff${i % 3}`, action: 'case.read', purpose: 'review', targetType: 'case', targetId: `c${i}`, outcome: 'ok' })));
    const result = await audit.verify();
    expect(result.ok).toBe(true);
    expect(result.entries).toBeGreaterThanOrEqual(20);
  });

  it('when a detail carries a My Number, then the append is refused', async () => {
    await expect(audit.append({ actor: 'x', action: 'y', purpose: 'z', outcome: 'ok', detail: { n: '123456789018' } }))
      .rejects.toThrow(/must not carry/);
  });

  it('when an entry is altered by someone with root access, then verify names the first bad entry', async () => {
    const { seq } = await audit.append({ actor: 'reviewer1', action: 'registrant.read', purpose: 'review', outcome: 'ok' });
    await audit.append({ actor: 'reviewer1', action: 'registrant.read', purpose: 'review', outcome: 'ok' });
    expect((await audit.verify()).ok).toBe(true);
    const root = await rootConnection();
    try {
      await root.query(`UPDATE ${appSchema}.audit_log SET actor = 'someone-else' WHERE seq = ?`, [seq]);
      const bad = await audit.verify();
      expect(bad).toMatchObject({ ok: false, firstBadSeq: seq });
      await root.query(`UPDATE ${appSchema}.audit_log SET actor = 'reviewer1' WHERE seq = ?`, [seq]);
      expect((await audit.verify()).ok).toBe(true);
      // truncation of the tail: the chain alone still verifies, the head catches it
      const [[head]] = (await root.query(`SELECT seq FROM ${appSchema}.audit_head`)) as unknown as [[{ seq: number }]];
      const [[last]] = (await root.query(`SELECT * FROM ${appSchema}.audit_log WHERE seq = ?`, [head.seq])) as unknown as [[Record<string, unknown>]];
      await root.query(`DELETE FROM ${appSchema}.audit_log WHERE seq = ?`, [head.seq]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: Number(head.seq) });
      await root.query(`INSERT INTO ${appSchema}.audit_log SET ?`, [last]);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await root.end();
    }
  });
});
