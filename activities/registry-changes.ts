/**
 * What a completed case of issue #6 does to the registrant file, applied once per case inside the
 * registration step's transaction: `registry_changes` (primary key case + kind) records the values
 * before and after, who asked, why and which event, and makes a retried step a no-op. Erasure is
 * logical: the entry and the My Number link stay; the entry says when, why, by whom, which event.
 * A return of a found license (event `found_after_reissue`) erases nothing: it is recorded with the
 * edition handed back (`license_edition`) and noted in 備考.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { AuditLog } from '../db/audit';
import { sqlTime } from '../db/connection';
import { laterCaseRefusal } from '../domain/erasure';
import { todayInTokyo } from '../domain/iso-date';

export interface CaseForChange {
  case_id: string;
  type: string;
  registrant_id: string | null;
  created_by: string;
  details: Record<string, unknown> | null;
}

/** Fields each case type may change (names and 本籍 need a rewrite: they are printed / part of the license). */
export const CHANGEABLE_FIELDS = {
  change: ['address', 'postalCode', 'phone', 'email'],
  rewrite: ['nameKanji', 'nameKana', 'honseki', 'address', 'postalCode', 'phone', 'email'],
} as const;

const COLUMN: Record<string, string> = {
  address: 'address', postalCode: 'postal_code', phone: 'phone', email: 'email', nameKanji: 'name_kanji', nameKana: 'name_kana', honseki: 'honseki',
};

interface RegistrantRow {
  registrant_id: string;
  license_number: string;
  qualification_status: string;
  [column: string]: unknown;
}

/** `event` of a return case: a lost license found after its reissue, handed back (not an erasure). */
export const FOUND_AFTER_REISSUE = 'found_after_reissue';

export class RegistryChangeError extends Error {
  constructor(readonly code: 'REGISTRANT_NOT_FOUND' | 'REGISTRANT_ERASED' | 'REGISTRANT_REVOKED' | 'EDITION_NOT_SUPERSEDED', message: string) {
    super(message);
  }
}

export async function applyCaseToRegistry(db: Sequelize, audit: AuditLog, c: CaseForChange, t: Transaction): Promise<{ registrantId: string; licenseNumber: string }> {
  const [r] = await db.query<RegistrantRow>('SELECT * FROM registrants WHERE registrant_id = ? FOR UPDATE',
    { replacements: [c.registrant_id], type: QueryTypes.SELECT, transaction: t });
  if (!r) throw new RegistryChangeError('REGISTRANT_NOT_FOUND', `registrant ${c.registrant_id} does not exist`);
  const result = { registrantId: r.registrant_id, licenseNumber: r.license_number };
  const details = c.details ?? {};
  const foundEdition = c.type === 'return' && details.event === FOUND_AFTER_REISSUE ? Number(details.licenseEdition) : null;
  const kind = foundEdition !== null ? 'license_return' : c.type === 'deletion' || c.type === 'return' ? 'erasure' : c.type;
  const [done] = await db.query('SELECT 1 FROM registry_changes WHERE case_id = ? AND kind = ?',
    { replacements: [c.case_id, kind], type: QueryTypes.SELECT, transaction: t });
  if (done) return result; // applied by an earlier attempt
  // The entry changed after intake (erased by another case, revoked by a return order): refused.
  const refusal = laterCaseRefusal(c.type, r.qualification_status);
  if (refusal === 'registrant_erased') throw new RegistryChangeError('REGISTRANT_ERASED', 'the entry has been erased');
  if (refusal === 'registrant_revoked') throw new RegistryChangeError('REGISTRANT_REVOKED', 'the license has been revoked: there is none to rewrite or reissue');

  const reason = typeof details.reason === 'string' ? details.reason : null;
  const today = todayInTokyo();
  const now = sqlTime();
  const set: Record<string, unknown> = {};
  let event: string | null = null;
  if (c.type === 'change' || c.type === 'rewrite') {
    const changes = (details.changes ?? {}) as Record<string, string>;
    for (const field of CHANGEABLE_FIELDS[c.type]) if (changes[field] !== undefined) set[COLUMN[field]] = changes[field];
    if (c.type === 'rewrite') {
      set.license_edition = Number(r.license_edition) + 1; // the old license is no longer valid; the number is kept
      set.license_issued_on = today;
    }
  } else if (c.type === 'reissue') {
    set.reissue_count = Number(r.reissue_count) + 1;
    set.reissued_on = today;
    set.license_edition = Number(r.license_edition) + 1;
    event = typeof details.reissueReason === 'string' ? details.reissueReason : null;
  } else if (foundEdition !== null) {
    // A lost license found after its reissue (再交付後に発見) is handed back: the entry and the current
    // license stay as they are (the found edition's credential already reports 再交付); 備考 notes it.
    if (!Number.isInteger(foundEdition) || foundEdition < 1 || foundEdition >= Number(r.license_edition)) {
      throw new RegistryChangeError('EDITION_NOT_SUPERSEDED', 'the returned edition is not an earlier edition of this license');
    }
    event = FOUND_AFTER_REISSUE;
    const note = `${today} 再交付前の免状（第${foundEdition}版）を返納（紛失後に発見）`;
    set.remarks = r.remarks ? `${String(r.remarks)}\n${note}` : note;
  } else if (c.type === 'deletion' || c.type === 'return') {
    event = c.type === 'deletion' ? (typeof details.event === 'string' ? details.event : 'application')
      : details.event === 'death' || reason === 'death' ? 'death' : 'return';
    Object.assign(set, { qualification_status: 'erased', erased_at: now, erasure_reason: reason?.slice(0, 200) ?? event,
      erased_by: c.created_by, erasure_event: event });
    if (c.type === 'return') set.return_reason = reason?.slice(0, 200) ?? event;
  }
  const before = Object.fromEntries(Object.keys(set).map((k) => [k, r[k] instanceof Date ? (r[k] as Date).toISOString() : r[k] ?? null]));
  if (Object.keys(set).length > 0) {
    await db.query(`UPDATE registrants SET ${Object.keys(set).map((k) => `${k} = ?`).join(', ')}, updated_at = ? WHERE registrant_id = ?`,
      { replacements: [...Object.values(set), now, r.registrant_id], transaction: t });
  }
  await db.query(
    `INSERT INTO registry_changes (case_id, registrant_id, kind, event, license_edition, reason, requested_by, before_values, after_values, applied_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    { replacements: [c.case_id, r.registrant_id, kind, event, foundEdition, reason?.slice(0, 500) ?? null, c.created_by, JSON.stringify(before),
      JSON.stringify(set), now],
      transaction: t });
  await audit.append({ actor: 'system:case-workflow', action: `registrant.${kind}`, purpose: '登録事項の変更・抹消', targetType: 'registrant',
    targetId: r.registrant_id, outcome: 'ok', detail: { caseId: c.case_id, fields: Object.keys(set), event, ...(foundEdition !== null ? { edition: foundEdition } : {}) } }, t);
  return result;
}
