/**
 * Registrants for the reconciliation tests: each is a resident of the 住基ネット simulator and a
 * person of the 中間サーバー simulator, with a vault entry and a registrant row that agree, so
 * only what a test scripts (death, move, name or 本籍 change) is a difference.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Pipeline } from '../e2e/pipeline';
import { newMyNumber } from '../e2e/pipeline';
import { sqlTime } from '../../db/connection';

export interface Registrant {
  registrantId: string;
  myNumber: string | null;
  email: string;
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
}

export async function addRegistrant(p: Pipeline, opts: { myNumber?: boolean; erased?: boolean } = {}): Promise<Registrant> {
  const withNumber = opts.myNumber !== false;
  const myNumber = withNumber ? newMyNumber() : null;
  const n = randomInt(0, 1e6);
  const person = { nameKanji: '照合　太郎', nameKana: 'ショウゴウ　タロウ', birthDate: '1980-02-29', sex: 'male', postalCode: '1000013',
    address: `東京都千代田区霞が関2-1-${(n % 50) + 1}` };
  const honseki = '東京都千代田区霞が関二丁目1番地';
  let registrantId: string = randomUUID();
  if (myNumber) {
    await post(`${p.config.JUKI_SIM_URL}/admin/residents`, { myNumber, ...person });
    await post(`${p.config.CHUKAN_SIM_URL}/admin/residents`, { myNumber, honseki });
    registrantId = (await p.runtime.vault.store(myNumber, { actor: 'jest', purpose: 'reconciliation fixture' })).pseudonymId;
  }
  const email = `recon.${n}.${registrantId.slice(0, 8)}@example.jp`;
  const now = sqlTime();
  await p.runtime.db.query(
    `INSERT INTO registrants (registrant_id, qualification_status, honseki, passer_number, license_number, name_kanji, name_kana, postal_code,
       phone, address, birth_date, license_issued_on, sex, email, erased_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, '0312345678', ?, ?, '2020-04-01', ?, ?, ?, ?, ?)`,
    { replacements: [registrantId, opts.erased ? 'erased' : 'active', honseki, `R-${n}`, `RC${randomUUID().slice(0, 12)}`, person.nameKanji,
      person.nameKana, person.postalCode, person.address, person.birthDate, person.sex, email, opts.erased ? now : null, now, now] });
  return { registrantId, myNumber, email };
}

export async function jukiEvent(p: Pipeline, body: Record<string, unknown>): Promise<void> {
  await post(`${p.config.JUKI_SIM_URL}/admin/events`, body);
}

export async function honsekiChange(p: Pipeline, myNumber: string, newHonseki: string): Promise<void> {
  await post(`${p.config.CHUKAN_SIM_URL}/admin/events`, { myNumber, type: 'honseki_change', newHonseki });
}

export async function findingsOf(p: Pipeline, ids: string[]) {
  return p.runtime.db.query<{ registrant_id: string; kind: string; run_id: string; action: string; action_status: string; case_id: string | null;
    notice_id: string | null }>(
    'SELECT registrant_id, kind, run_id, action, action_status, case_id, notice_id FROM reconciliation_findings WHERE registrant_id IN (?) ORDER BY kind',
    { replacements: [ids], type: QueryTypes.SELECT });
}
