/**
 * What intake refuses at once, against the registrant file, before a case is filed: the cases
 * that no review could approve. Each refusal is a 409 whose `details.reason` names the rule.
 * Messages say which rule, never whose data.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { AppError } from '../errors';
import { isDeceasedEntry, laterCaseRefusal, type ErasureState } from '../../domain/erasure';
import { TERMINAL_STATUSES } from '../../workflows/case/model';
import { query } from '../../db/query';

/**
 * A registration of a person whose entry was erased for death or a declaration of disappearance
 * (死亡・失踪宣告): the person is known by the 資格仮名ID the vault gave for the My Number (the
 * newest one), or by the passer number (合格者番号), which belongs to one person.
 */
export async function refuseDeceasedRegistration(db: Sequelize, by: { pseudonymId: string | null; passerNumber?: string }): Promise<void> {
  const rows = await query<ErasureState>(db,
    `SELECT qualification_status, erasure_event, erasure_reason FROM registrants
      WHERE qualification_status = 'erased' AND (registrant_id = ? OR passer_number = ?)`,
    { replacements: [by.pseudonymId ?? '', by.passerNumber ?? ''], type: QueryTypes.SELECT });
  if (rows.some(isDeceasedEntry)) {
    throw new AppError('CONFLICT', '死亡または失踪宣告により抹消された登録者は再び登録できません '
      + '(the registrant file records this person as deceased or declared missing: no new registration)', { reason: 'deceased' });
  }
}

const refuse = (reason: string, message: string) => new AppError('CONFLICT', message, { reason });

/**
 * A later case (change, rewrite, reissue, deletion, return) for an entry whose state takes no case
 * of that type (domain/erasure.ts): an erased entry (抹消) takes none, a revoked one (取消し after a
 * return order) no rewrite or reissue. The registration step refuses the same when the entry
 * changes after intake.
 */
export function refuseLaterCase(caseType: string, entry: { qualification_status: string }): void {
  const reason = laterCaseRefusal(caseType, entry.qualification_status);
  if (reason === 'registrant_erased') {
    throw refuse(reason, '登録は抹消されています (the entry has been erased (抹消) and takes no further case; '
      + 'a person who registers again gets a new entry)');
  }
  if (reason === 'registrant_revoked') {
    throw refuse(reason, '免状は返納命令により取り消されています (the license has been revoked after a return order: '
      + 'there is no license to rewrite or reissue)');
  }
}

/**
 * A return of a lost license found after its reissue (再交付後に発見): the named edition must be an
 * earlier edition of this entry that a reissue replaced — not the current license, not one
 * replaced by a rewrite (書換え: handed in then), not one handed in at its reissue (汚損・破損) —
 * and not already returned or being returned.
 */
export async function checkFoundLicenseReturn(db: Sequelize, registrantId: string, edition: number): Promise<void> {
  const [entry] = await query<{ qualification_status: string; license_edition: number; reissue_count: number }>(db,
    'SELECT qualification_status, license_edition, reissue_count FROM registrants WHERE registrant_id = ?',
    { replacements: [registrantId], type: QueryTypes.SELECT });
  if (!entry) throw new AppError('NOT_FOUND', 'no such registrant');
  if (entry.qualification_status === 'erased') throw refuse('registrant_erased', 'the entry has been erased (抹消): there is no license to return into');
  if (Number(entry.reissue_count) === 0) {
    throw refuse('no_reissue', 'この免状は再交付されていません (no reissue has been made of this license: a found license is returned only after a reissue)');
  }
  if (edition === Number(entry.license_edition)) {
    throw refuse('current_edition', `edition ${edition} is the current license, which stays valid: only an edition replaced by a reissue can be returned as found`);
  }
  if (edition > Number(entry.license_edition)) throw refuse('unknown_edition', `this license has no edition ${edition}`);
  const [reissue] = await query<{ event: string | null }>(db,
    `SELECT event FROM registry_changes WHERE registrant_id = ? AND kind = 'reissue'
        AND CAST(JSON_EXTRACT(before_values, '$.license_edition') AS SIGNED) = ?`,
    { replacements: [registrantId, edition], type: QueryTypes.SELECT });
  if (!reissue) throw refuse('not_reissued', `edition ${edition} was replaced by a rewrite (書換え), not by a reissue (再交付)`);
  if (reissue.event === 'soiled' || reissue.event === 'torn') {
    throw refuse('handed_in', `edition ${edition} was handed in at its reissue (汚損・破損): it cannot have been found`);
  }
  const [returned] = await query<{ n: number }>(db,
    "SELECT 1 AS n FROM registry_changes WHERE registrant_id = ? AND kind = 'license_return' AND license_edition = ? LIMIT 1",
    { replacements: [registrantId, edition], type: QueryTypes.SELECT });
  if (returned) throw refuse('already_returned', `edition ${edition} has already been returned`);
  const [open] = await query<{ n: number }>(db,
    `SELECT 1 AS n FROM cases WHERE registrant_id = ? AND type = 'return' AND status NOT IN (?)
        AND JSON_UNQUOTE(JSON_EXTRACT(details, '$.event')) = 'found_after_reissue'
        AND CAST(JSON_EXTRACT(details, '$.licenseEdition') AS SIGNED) = ? LIMIT 1`,
    { replacements: [registrantId, TERMINAL_STATUSES, edition], type: QueryTypes.SELECT });
  if (open) throw refuse('return_in_progress', `a return of edition ${edition} is already in progress`);
}
