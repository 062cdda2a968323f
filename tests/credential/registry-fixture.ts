/** Registrant rows written straight into the registry (the registry's own use cases are not this issue's). */
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { sqlTime } from '../../db/connection';

export interface RegistrantFixture { registrantId: string; licenseNumber: string; nameKanji: string }

export async function insertRegistrant(db: Sequelize, over: { nameKanji?: string; birthDate?: string } = {}): Promise<RegistrantFixture> {
  const registrantId = randomUUID();
  const licenseNumber = `T-${registrantId.slice(0, 8)}`;
  const nameKanji = over.nameKanji ?? '水道　花子';
  await db.query(
    `INSERT INTO registrants (registrant_id, qualification_status, passer_number, license_number, name_kanji, name_kana,
       birth_date, license_issued_on, license_edition, created_at, updated_at)
     VALUES (?, 'active', ?, ?, ?, 'スイドウ　ハナコ', ?, '2025-04-01', 1, ?, ?)`,
    { replacements: [registrantId, `P-${registrantId.slice(0, 8)}`, licenseNumber, nameKanji, over.birthDate ?? '1990-12-31', sqlTime(), sqlTime()] });
  return { registrantId, licenseNumber, nameKanji };
}

/** Sets registry columns the way the registry's use cases would (suspension, revocation, reissue, erasure …). */
export async function updateRegistrant(db: Sequelize, registrantId: string, set: Record<string, string | number | null>): Promise<void> {
  const cols = Object.keys(set);
  await db.query(`UPDATE registrants SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE registrant_id = ?`,
    { replacements: [...cols.map((c) => set[c]!), sqlTime(), registrantId] });
}
