import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { AuditLog } from '../../db/audit';
import { MyNumberVault, VaultError } from '../../db/vault';
import { myNumberCheckDigit } from '../../common/mynumber';
import { appSchema, config, rootConnection, vaultDb, vaultSchema } from '../helpers/env';

/** A valid, random-looking My Number for tests (canary values, never real ones). */
function canary(): string {
  const base = String(10_000_000_000 + Math.floor(Math.random() * 89_999_999_999));
  return base + myNumberCheckDigit(base);
}

const access = { actor: 'test', purpose: 'vault test' };

describe('My Number vault', () => {
  const db = vaultDb();
  const audit = new AuditLog(db, appSchema);
  const keys = { ring: config.MYNUMBER_KEYS, activeKeyId: config.MYNUMBER_ACTIVE_KEY_ID, indexKey: config.MYNUMBER_INDEX_KEY };
  const vault = new MyNumberVault(db, vaultSchema, keys, audit);
  afterAll(() => db.close());

  it('when a number is stored twice, then both stores give the same 資格仮名ID and reveal returns it', async () => {
    const n = canary();
    const a = await vault.store(n, access);
    const b = await vault.store(n, access);
    expect(a.created).toBe(true);
    expect(b).toEqual({ pseudonymId: a.pseudonymId, created: false });
    expect(await vault.reveal(a.pseudonymId, access)).toBe(n);
    expect(await vault.lookup(n, access)).toBe(a.pseudonymId);
  });

  it('when the audit entry of a store cannot be written, then the number is not stored either', async () => {
    const n = canary();
    const failing = { append: async () => { throw new Error('audit log unavailable'); } } as unknown as AuditLog;
    await expect(new MyNumberVault(db, vaultSchema, keys, failing).store(n, access)).rejects.toThrow('audit log unavailable');
    expect(await vault.lookup(n, access)).toBeNull();
    const stored = await vault.store(n, access);
    expect(stored.created).toBe(true);
  });

  it('when the table is read raw, then neither the number nor its digits appear in clear', async () => {
    const n = canary();
    const { pseudonymId } = await vault.store(n, access);
    const root = await rootConnection();
    try {
      const [rows] = await root.query(`SELECT * FROM ${vaultSchema}.my_number_links WHERE pseudonym_id = ?`, [pseudonymId]);
      const dump = JSON.stringify(rows) + Buffer.concat(Object.values((rows as Record<string, unknown>[])[0])
        .filter((v): v is Buffer => Buffer.isBuffer(v))).toString('latin1');
      expect(dump).not.toContain(n);
      const [auditRows] = await root.query(`SELECT * FROM ${appSchema}.audit_log WHERE target_id = ?`, [pseudonymId]);
      expect((auditRows as unknown[]).length).toBeGreaterThan(0);
      expect(JSON.stringify(auditRows)).not.toContain(n);
    } finally {
      await root.end();
    }
  });

  it('when a ciphertext is copied onto another row, then it does not decrypt there', async () => {
    const a = await vault.store(canary(), access);
    const b = await vault.store(canary(), access);
    const root = await rootConnection();
    try {
      await root.query(
        `UPDATE ${vaultSchema}.my_number_links t JOIN ${vaultSchema}.my_number_links s ON s.pseudonym_id = ?
           SET t.iv = s.iv, t.ciphertext = s.ciphertext, t.auth_tag = s.auth_tag, t.key_id = s.key_id WHERE t.pseudonym_id = ?`,
        [a.pseudonymId, b.pseudonymId]);
    } finally {
      await root.end();
    }
    await expect(vault.reveal(b.pseudonymId, access)).rejects.toMatchObject({ code: 'INTEGRITY' });
    // a rotation leaves the damaged entry alone and reports it
    const ring = new Map(config.MYNUMBER_KEYS);
    ring.set('rot1', randomBytes(32));
    const result = await new MyNumberVault(db, vaultSchema, { ...keys, ring, activeKeyId: 'rot1' }, audit).rotate(access);
    expect(result.failed).toContain(b.pseudonymId);
    await vault.rotate(access);
  });

  it('when the active key changes, then old entries stay readable and rotate() re-encrypts them', async () => {
    const n = canary();
    const { pseudonymId } = await vault.store(n, access);
    const ring = new Map(config.MYNUMBER_KEYS);
    ring.set('rot2', randomBytes(32));
    const rotated = new MyNumberVault(db, vaultSchema, { ...keys, ring, activeKeyId: 'rot2' }, audit);
    expect(await rotated.reveal(pseudonymId, access)).toBe(n);
    expect((await rotated.rotate(access)).rotated).toBeGreaterThan(0);
    const [row] = await db.query<{ key_id: string }>(
      `SELECT key_id FROM ${vaultSchema}.my_number_links WHERE pseudonym_id = ?`, { replacements: [pseudonymId], type: QueryTypes.SELECT });
    expect(row.key_id).toBe('rot2');
    expect(await rotated.reveal(pseudonymId, access)).toBe(n);
    // the old ring alone can no longer read it, and says so without the number
    await expect(vault.reveal(pseudonymId, access)).rejects.toBeInstanceOf(VaultError);
    await rotated.rotate(access); // leave nothing under a key other tests do not hold
    const back = new MyNumberVault(db, vaultSchema, { ...keys, ring }, audit);
    await back.rotate(access);
  });

  it('when a person is given a new 資格仮名ID (re-registration), then both links decrypt and lookups find the newest', async () => {
    const n = canary();
    const first = await vault.store(n, access);
    const second = await vault.supersede(first.pseudonymId, access);
    expect(second.created).toBe(true);
    expect(second.pseudonymId).not.toBe(first.pseudonymId);
    // A retry (or a concurrent re-registration) gets the same successor, never a third link.
    expect(await vault.supersede(first.pseudonymId, access)).toEqual({ pseudonymId: second.pseudonymId, created: false });
    expect(await vault.reveal(first.pseudonymId, access)).toBe(n);
    expect(await vault.reveal(second.pseudonymId, access)).toBe(n);
    expect(await vault.lookup(n, access)).toBe(second.pseudonymId);
    expect(await vault.store(n, access)).toEqual({ pseudonymId: second.pseudonymId, created: false });
    const third = await vault.supersede(second.pseudonymId, access);
    expect(await vault.lookup(n, access)).toBe(third.pseudonymId);
    const rows = await db.query<{ pseudonym_id: string; link_generation: number }>(
      `SELECT pseudonym_id, link_generation FROM ${vaultSchema}.my_number_links WHERE blind_index = ? ORDER BY link_generation`,
      { replacements: [vault.blindIndex(n)], type: QueryTypes.SELECT });
    expect(rows).toEqual([{ pseudonym_id: first.pseudonymId, link_generation: 1 }, { pseudonym_id: second.pseudonymId, link_generation: 2 },
      { pseudonym_id: third.pseudonymId, link_generation: 3 }]);
    await expect(vault.supersede('00000000-0000-4000-8000-000000000000', access)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('when a number has a bad check digit, then the vault refuses it without echoing it', async () => {
    await expect(vault.store('123456789017', access)).rejects.toThrow(/not valid/);
    await expect(vault.store('123456789017', access)).rejects.not.toThrow(/123456789017/);
  });
});
