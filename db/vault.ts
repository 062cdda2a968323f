/**
 * The My Number vault (R5.1, R6.4): the only code that reads or writes the link table
 * 資格仮名ID ↔ 個人番号. It uses its own database account, which is the only one granted on the
 * vault schema. The number is stored AES-256-GCM encrypted under a key ID (rotation: new entries
 * use the active key, old ones stay readable and are re-encrypted by `rotate()`); the additional
 * data binds each ciphertext to its table, column and row, so a ciphertext copied onto another
 * row does not decrypt. A keyed HMAC (blind index) finds a person's entry without decrypting.
 * Every store and reveal is written to the audit log with actor and purpose, never the number.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { isValidMyNumber } from '../common/mynumber';
import type { AuditLog } from './audit';
import { forEachByKeys, insertRows, NUMBERED_KEYS } from './bulk';
import { query, transaction } from './query';

export interface VaultKeys {
  ring: Map<string, Buffer>;
  activeKeyId: string;
  indexKey: Buffer;
}

export interface VaultAccess {
  actor: string;
  purpose: string;
  caseId?: string;
}

interface LinkRow {
  pseudonym_id: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

export class VaultError extends Error {
  constructor(readonly code: 'INVALID_MY_NUMBER' | 'NOT_FOUND' | 'UNKNOWN_KEY' | 'INTEGRITY', message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

export class MyNumberVault {
  private readonly table: string;
  /** The ring as key objects, made once: a raw key given to createDecipheriv is imported again on every call. */
  private readonly keyObjects = new Map<string, KeyObject>();

  constructor(
    private readonly sequelize: Sequelize,
    private readonly vaultSchema: string,
    private readonly keys: VaultKeys,
    private readonly audit: AuditLog,
  ) {
    this.table = `${vaultSchema}.my_number_links`;
    for (const [id, key] of keys.ring) this.keyObjects.set(id, createSecretKey(key));
  }

  blindIndex(myNumber: string): Buffer {
    return createHmac('sha256', this.keys.indexKey).update(`my_number:${myNumber}`).digest();
  }

  private aad(pseudonymId: string): Buffer {
    return Buffer.from(`${this.table}.ciphertext|${pseudonymId}`, 'utf8');
  }

  private encrypt(pseudonymId: string, myNumber: string) {
    const keyId = this.keys.activeKeyId;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.ring.get(keyId)!, iv);
    cipher.setAAD(this.aad(pseudonymId));
    const ciphertext = Buffer.concat([cipher.update(myNumber, 'utf8'), cipher.final()]);
    return { keyId, iv, ciphertext, tag: cipher.getAuthTag() };
  }

  private decrypt(row: LinkRow): string {
    return this.open(row.pseudonym_id, row.key_id, row.iv, row.ciphertext, row.auth_tag);
  }

  /** AES-256-GCM decryption of one entry; the tag covers the ciphertext and the row's AAD. */
  private open(pseudonymId: string, keyId: string, iv: Buffer, ciphertext: Buffer, tag: Buffer): string {
    const key = this.keyObjects.get(keyId);
    if (!key) throw new VaultError('UNKNOWN_KEY', `vault entry encrypted under unknown key id ${keyId}`);
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(this.aad(pseudonymId));
      d.setAuthTag(tag);
      const plain = d.update(ciphertext);
      d.final(); // verifies the tag (throws on a mismatch); GCM returns no further bytes here
      return plain.toString('utf8');
    } catch {
      throw new VaultError('INTEGRITY', `vault entry ${pseudonymId} failed authentication`);
    }
  }

  /**
   * Stores a number and returns the person's 資格仮名ID: the newest existing one when the number is
   * already in the vault (the same person applying again), a new one otherwise. Safe under
   * concurrent intake of the same number: the unique (blind index, generation) decides.
   */
  async store(myNumber: string, access: VaultAccess): Promise<{ pseudonymId: string; created: boolean }> {
    if (!isValidMyNumber(myNumber)) throw new VaultError('INVALID_MY_NUMBER', 'the My Number is not valid');
    const index = this.blindIndex(myNumber);
    const candidate = randomUUID();
    const enc = this.encrypt(candidate, myNumber);
    // The link and its audit entry commit together: no stored number without its record (and one
    // commit, one log flush, on the applicant's request instead of two).
    return transaction(this.sequelize, async (t) => {
      const [, affected] = await query(this.sequelize,
        `INSERT IGNORE INTO ${this.table} (pseudonym_id, blind_index, key_id, iv, ciphertext, auth_tag, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        { replacements: [candidate, index, enc.keyId, enc.iv, enc.ciphertext, enc.tag, new Date()], type: QueryTypes.INSERT, transaction: t },
      );
      const created = Number(affected) === 1;
      const pseudonymId = created ? candidate : await this.findPseudonym(index, t);
      await this.audit.append({ actor: access.actor, action: 'my_number.store', purpose: access.purpose,
        targetType: 'pseudonym', targetId: pseudonymId, outcome: 'ok', detail: { created, caseId: access.caseId ?? null } }, t);
      return { pseudonymId, created };
    });
  }

  private async findPseudonym(index: Buffer, t?: Transaction): Promise<string> {
    const id = await this.newest(index, t);
    if (!id) throw new VaultError('NOT_FOUND', 'vault entry vanished during store');
    return id;
  }

  /** The newest link of a blind index: the person's live entry (or the one being registered). */
  private async newest(index: Buffer, t?: Transaction): Promise<string | null> {
    const rows = await query<{ pseudonym_id: string }>(this.sequelize,
      `SELECT pseudonym_id FROM ${this.table} WHERE blind_index = ? ORDER BY link_generation DESC LIMIT 1`,
      { replacements: [index], type: QueryTypes.SELECT, transaction: t });
    return rows[0]?.pseudonym_id ?? null;
  }

  /**
   * The 資格仮名ID of a number already in the vault, or null; reads no ciphertext. A person
   * registered again after an earlier entry ended has several links: this is the newest one,
   * the live entry's.
   */
  async lookup(myNumber: string, access: VaultAccess): Promise<string | null> {
    if (!isValidMyNumber(myNumber)) throw new VaultError('INVALID_MY_NUMBER', 'the My Number is not valid');
    const id = await this.newest(this.blindIndex(myNumber));
    await this.audit.append({ actor: access.actor, action: 'my_number.lookup', purpose: access.purpose,
      targetType: 'pseudonym', targetId: id ?? undefined, outcome: id ? 'ok' : 'denied' });
    return id;
  }

  /**
   * A new 資格仮名ID for the person behind `previousPseudonymId`, whose registry entry has ended
   * (erased, or revoked after a return order) and who is being registered again. The old link
   * stays (the erased entry keeps its My Number, R1.4); the new one has the same blind index and
   * the next generation, so lookups find it. The number never leaves the vault: it is decrypted
   * and encrypted again under the new ID here. Idempotent: when `previousPseudonymId` already has
   * a successor (a retry, or a concurrent registration), that successor is returned.
   */
  async supersede(previousPseudonymId: string, access: VaultAccess): Promise<{ pseudonymId: string; created: boolean }> {
    const [prev] = await query<LinkRow & { blind_index: Buffer; link_generation: number }>(this.sequelize,
      `SELECT pseudonym_id, blind_index, link_generation, key_id, iv, ciphertext, auth_tag FROM ${this.table} WHERE pseudonym_id = ?`,
      { replacements: [previousPseudonymId], type: QueryTypes.SELECT });
    if (!prev) throw new VaultError('NOT_FOUND', `no vault entry for pseudonym ${previousPseudonymId}`);
    const next = Number(prev.link_generation) + 1;
    const candidate = randomUUID();
    const enc = this.encrypt(candidate, this.decrypt(prev));
    const [, affected] = await query(this.sequelize,
      `INSERT IGNORE INTO ${this.table} (pseudonym_id, blind_index, link_generation, key_id, iv, ciphertext, auth_tag, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [candidate, prev.blind_index, next, enc.keyId, enc.iv, enc.ciphertext, enc.tag, new Date()], type: QueryTypes.INSERT },
    );
    const created = Number(affected) === 1;
    const pseudonymId = created ? candidate : (await query<{ pseudonym_id: string }>(this.sequelize,
      `SELECT pseudonym_id FROM ${this.table} WHERE blind_index = ? AND link_generation = ?`,
      { replacements: [prev.blind_index, next], type: QueryTypes.SELECT }))[0]!.pseudonym_id;
    await this.audit.append({ actor: access.actor, action: 'my_number.supersede', purpose: access.purpose,
      targetType: 'pseudonym', targetId: pseudonymId, outcome: 'ok',
      detail: { created, supersedes: previousPseudonymId, generation: next, caseId: access.caseId ?? null } });
    return { pseudonymId, created };
  }

  /** Decrypts the number of a 資格仮名ID, for an adapter call to 住基ネット or the 中間サーバー only. */
  async reveal(pseudonymId: string, access: VaultAccess): Promise<string> {
    const rows = await query<LinkRow>(this.sequelize,
      `SELECT pseudonym_id, key_id, iv, ciphertext, auth_tag FROM ${this.table} WHERE pseudonym_id = ?`,
      { replacements: [pseudonymId], type: QueryTypes.SELECT });
    if (!rows[0]) {
      await this.audit.append({ actor: access.actor, action: 'my_number.reveal', purpose: access.purpose,
        targetType: 'pseudonym', targetId: pseudonymId, outcome: 'denied' });
      throw new VaultError('NOT_FOUND', `no vault entry for pseudonym ${pseudonymId}`);
    }
    const value = this.decrypt(rows[0]);
    await this.audit.append({ actor: access.actor, action: 'my_number.reveal', purpose: access.purpose,
      targetType: 'pseudonym', targetId: pseudonymId, outcome: 'ok', detail: { caseId: access.caseId ?? null } });
    return value;
  }

  /**
   * Bulk import of links whose 資格仮名ID is already decided (a migration from the previous system,
   * or a generated population for the benchmark): multi-row INSERT IGNORE, one audit entry.
   */
  async importMany(entries: { pseudonymId: string; myNumber: string }[], access: VaultAccess): Promise<{ imported: number }> {
    const now = new Date();
    const rows = entries.map(({ pseudonymId, myNumber }) => {
      if (!isValidMyNumber(myNumber)) throw new VaultError('INVALID_MY_NUMBER', 'the My Number is not valid');
      const enc = this.encrypt(pseudonymId, myNumber);
      return [pseudonymId, this.blindIndex(myNumber), enc.keyId, enc.iv, enc.ciphertext, enc.tag, now];
    });
    const imported = await insertRows(this.sequelize,
      `INSERT IGNORE INTO ${this.table} (pseudonym_id, blind_index, key_id, iv, ciphertext, auth_tag, created_at) VALUES ?`, rows, 2000);
    await this.audit.append({ actor: access.actor, action: 'my_number.import', purpose: access.purpose, targetType: 'pseudonym_batch',
      outcome: 'ok', detail: { requested: entries.length, imported } });
    return { imported };
  }

  /**
   * Decrypts the numbers of many 資格仮名IDs at once, for one batch file to 住基ネット or the
   * 中間サーバー (the yearly reconciliation). One audit entry covers the batch: actor, purpose,
   * how many were asked for, revealed and missing, and a SHA-256 digest of the sorted IDs, so
   * an auditor can tie it to the batch without the log growing by a million lines a year.
   * IDs without an entry (paper or e-Gov registrants) are simply absent from the answer. An
   * entry that fails authentication stops the batch (nothing is returned), as reveal() does.
   */
  async revealMany(pseudonymIds: string[], access: VaultAccess & { batchRef?: string }): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ids = [...new Set(pseudonymIds)];
    // A page of thousands: the bulk path, rows as arrays (db/bulk.ts). The AAD's 資格仮名ID is the
    // key the row matched (l.pseudonym_id = k.id, binary collation), so it is not read back.
    await forEachByKeys(this.sequelize,
      `SELECT k.n, l.key_id, l.iv, l.ciphertext, l.auth_tag FROM ${NUMBERED_KEYS} JOIN ${this.table} l ON l.pseudonym_id = k.id`, ids,
      (id, r) => out.set(id, this.open(id, r[1] as string, r[2] as Buffer, r[3] as Buffer, r[4] as Buffer)));
    // Hex in groups of 8: a bare 64-digit hex digest holds a 12-digit run with a valid check digit
    // about once in 400 batches, and the audit log rightly refuses anything that looks like a My Number.
    const digest = createHash('sha256').update([...ids].sort().join('\n')).digest('hex').match(/.{8}/g)!.join(':');
    await this.audit.append({ actor: access.actor, action: 'my_number.reveal_batch', purpose: access.purpose, targetType: 'pseudonym_batch',
      targetId: access.batchRef?.slice(0, 64), outcome: 'ok',
      detail: { requested: ids.length, revealed: out.size, missing: ids.length - out.size, idsSha256: digest, caseId: access.caseId ?? null } });
    return out;
  }

  /**
   * Re-encrypts every entry not under the active key. An entry that fails authentication is not
   * touched: it is counted, reported by 資格仮名ID in the audit log, and left for investigation.
   */
  async rotate(access: VaultAccess, batch = 500): Promise<{ rotated: number; failed: string[] }> {
    let rotated = 0;
    const failed: string[] = [];
    let after = '';
    for (;;) {
      const rows = await query<LinkRow>(this.sequelize,
        `SELECT pseudonym_id, key_id, iv, ciphertext, auth_tag FROM ${this.table}
          WHERE key_id <> ? AND pseudonym_id > ? ORDER BY pseudonym_id LIMIT ${batch}`,
        { replacements: [this.keys.activeKeyId, after], type: QueryTypes.SELECT });
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.pseudonym_id;
        let plain: string;
        try {
          plain = this.decrypt(row);
        } catch {
          failed.push(row.pseudonym_id);
          continue;
        }
        const enc = this.encrypt(row.pseudonym_id, plain);
        await query(this.sequelize,
          `UPDATE ${this.table} SET key_id = ?, iv = ?, ciphertext = ?, auth_tag = ?, rotated_at = ? WHERE pseudonym_id = ? AND key_id = ?`,
          { replacements: [enc.keyId, enc.iv, enc.ciphertext, enc.tag, new Date(), row.pseudonym_id, row.key_id] });
        rotated++;
      }
    }
    await this.audit.append({ actor: access.actor, action: 'my_number.rotate', purpose: access.purpose,
      outcome: failed.length ? 'error' : 'ok', detail: { rotated, failed, keyId: this.keys.activeKeyId } });
    return { rotated, failed };
  }
}
