/** The vault's batch reveal: the numbers of many 資格仮名IDs, one audit entry for the batch, no number in it. */
import { QueryTypes } from 'sequelize';
import { AuditLog } from '../../db/audit';
import { MyNumberVault } from '../../db/vault';
import { appSchema, config, vaultDb, vaultSchema } from '../helpers/env';
import { newMyNumber } from '../e2e/pipeline';

describe('My Number vault batch reveal', () => {
  const db = vaultDb();
  const vault = new MyNumberVault(db, vaultSchema,
    { ring: config.MYNUMBER_KEYS, activeKeyId: config.MYNUMBER_ACTIVE_KEY_ID, indexKey: config.MYNUMBER_INDEX_KEY }, new AuditLog(db, appSchema));
  afterAll(() => db.close());

  it('when many IDs are revealed at once, then each known ID gets its number, unknown IDs are absent, and one audit entry records counts only', async () => {
    const numbers = Array.from({ length: 25 }, () => newMyNumber());
    const ids: string[] = [];
    for (const n of numbers) ids.push((await vault.store(n, { actor: 'jest', purpose: 'batch reveal test' })).pseudonymId);
    const unknown = '00000000-0000-4000-8000-00000000beef';
    const out = await vault.revealMany([...ids, unknown, ids[0]!], { actor: 'jest', purpose: '定期照合テスト', batchRef: 'test-batch-1' });
    expect(out.size).toBe(25);
    ids.forEach((id, i) => expect(out.get(id)).toBe(numbers[i]));
    expect(out.has(unknown)).toBe(false);
    const entries = await db.query<{ actor: string; purpose: string; target_id: string; detail: string }>(
      `SELECT actor, purpose, target_id, detail FROM ${appSchema}.audit_log WHERE action = 'my_number.reveal_batch' AND target_id = 'test-batch-1'`,
      { type: QueryTypes.SELECT });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'jest', purpose: '定期照合テスト' });
    expect(JSON.parse(entries[0]!.detail)).toMatchObject({ requested: 26, revealed: 25, missing: 1, idsSha256: expect.stringMatching(/^[0-9a-f]{8}(:[0-9a-f]{8}){7}$/) });
    expect(numbers.some((n) => entries[0]!.detail.includes(n))).toBe(false);
  });
});
