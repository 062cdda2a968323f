/**
 * The registrant file (登録者ファイル) and license PDFs (api-contract "Registry and licenses").
 * Searches answer masked matches; reading an entry shows the 18 items of the file and is audited
 * (who, why, which entry). No answer ever carries the My Number: the file has no such column and
 * the vault is not reachable from here.
 */
import { Router } from 'express';
import { QueryTypes } from 'sequelize';
import { actorOf, requirePermission, type Actor } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { parseWith, RegistrantSearchQuery } from '../cases/schemas';
import { splitCharacters } from '../../domain/text';
import { UUID } from '../ids';


/** 'スイドウ　タロウ' → 'ス＊＊＊　タ＊＊': enough to tell matches apart, not to read a name off a screen. */
export function maskName(name: string): string {
  return name.split('\u3000').map((part) => splitCharacters(part).map((ch, i) => (i === 0 ? ch : '＊')).join('')).join('\u3000');
}

const REGISTRANT_COLUMNS = `registrant_id, portal_pseudonym_id, qualification_status, honseki, passer_number, license_number,
  name_kanji, name_kana, postal_code, phone, address, DATE_FORMAT(birth_date, '%Y-%m-%d') AS birth_date,
  DATE_FORMAT(license_issued_on, '%Y-%m-%d') AS license_issued_on, DATE_FORMAT(reissued_on, '%Y-%m-%d') AS reissued_on,
  reissue_count, return_reason, warning, remarks, sex, license_edition, DATE_FORMAT(suspended_until, '%Y-%m-%d') AS suspended_until,
  erased_at, erasure_reason`;

interface RegistrantRow {
  registrant_id: string; portal_pseudonym_id: string | null; qualification_status: string; honseki: string | null;
  passer_number: string; license_number: string; name_kanji: string; name_kana: string; postal_code: string | null;
  phone: string | null; address: string | null; birth_date: string; license_issued_on: string; reissued_on: string | null;
  reissue_count: number; return_reason: string | null; warning: string | null; remarks: string | null; sex: string | null;
  license_edition: number; suspended_until: string | null; erased_at: Date | null; erasure_reason: string | null;
}

/** A system client (the portal) sees only the registrants of the cases it filed. */
async function assertVisible(deps: ApiDeps, actor: Actor, registrantId: string): Promise<void> {
  if (actor.kind !== 'client') return;
  const [own] = await deps.db.query('SELECT 1 FROM cases WHERE registrant_id = ? AND created_by = ? LIMIT 1',
    { replacements: [registrantId, actor.username], type: QueryTypes.SELECT });
  if (!own) throw new AppError('NOT_FOUND', 'no such registrant');
}

export function registrantRoutes(deps: ApiDeps): Router {
  const r = Router();
  const { db, services } = deps;

  r.get('/api/v1/registrants', requirePermission('registrant:read'), async (req, res) => {
    const actor = actorOf(res);
    const q = parseWith(RegistrantSearchQuery, req.query, 'the query');
    const rows = q.licenseNumber
      ? await db.query<RegistrantRow>(`SELECT ${REGISTRANT_COLUMNS} FROM registrants WHERE license_number = ?`,
        { replacements: [q.licenseNumber], type: QueryTypes.SELECT })
      : await db.query<RegistrantRow>(`SELECT ${REGISTRANT_COLUMNS} FROM registrants WHERE name_kana = ? AND birth_date = ? LIMIT 50`,
        { replacements: [q.nameKana, q.birthDate], type: QueryTypes.SELECT });
    await services.audit.append({ actor: actor.username, action: 'registrant.search', purpose: '登録者の検索', targetType: 'registrant',
      outcome: 'ok', detail: { by: q.licenseNumber ? 'licenseNumber' : 'nameKana+birthDate', matches: rows.length } });
    res.json({ items: rows.map((x) => ({ registrantId: x.registrant_id, licenseNumber: x.license_number,
      nameKanji: maskName(x.name_kanji), nameKana: maskName(x.name_kana), birthYear: x.birth_date.slice(0, 4),
      status: x.qualification_status })) });
  });

  r.get('/api/v1/registrants/:registrantId', requirePermission('registrant:read'), async (req, res) => {
    const actor = actorOf(res);
    if (!UUID.test(String(req.params.registrantId))) throw new AppError('NOT_FOUND', 'no such registrant');
    await assertVisible(deps, actor, String(req.params.registrantId));
    const [x] = await db.query<RegistrantRow>(`SELECT ${REGISTRANT_COLUMNS} FROM registrants WHERE registrant_id = ?`,
      { replacements: [String(req.params.registrantId)], type: QueryTypes.SELECT });
    if (!x) throw new AppError('NOT_FOUND', 'no such registrant');
    await services.audit.append({ actor: actor.username, action: 'registrant.read', purpose: '登録事項の閲覧', targetType: 'registrant',
      targetId: x.registrant_id, outcome: 'ok' });
    res.json({
      registrantId: x.registrant_id, portalPseudonymId: x.portal_pseudonym_id, qualificationStatus: x.qualification_status,
      honseki: x.honseki, passerNumber: x.passer_number, licenseNumber: x.license_number, nameKanji: x.name_kanji, nameKana: x.name_kana,
      postalCode: x.postal_code, phone: x.phone, address: x.address, birthDate: x.birth_date, licenseIssuedOn: x.license_issued_on,
      reissuedOn: x.reissued_on, reissueCount: Number(x.reissue_count), returnReason: x.return_reason, warning: x.warning,
      remarks: x.remarks, sex: x.sex, licenseEdition: Number(x.license_edition), suspendedUntil: x.suspended_until,
      erasedAt: x.erased_at ? new Date(x.erased_at).toISOString() : null, erasureReason: x.erasure_reason,
    });
  });

  r.get('/api/v1/licenses/:licenseNumber/pdf', requirePermission('license:read'), async (req, res) => {
    const actor = actorOf(res);
    const [reg] = await db.query<{ registrant_id: string }>('SELECT registrant_id FROM registrants WHERE license_number = ?',
      { replacements: [String(req.params.licenseNumber)], type: QueryTypes.SELECT });
    if (!reg) throw new AppError('NOT_FOUND', 'no such license');
    await assertVisible(deps, actor, reg.registrant_id);
    const [doc] = await db.query<{ document_id: string }>(
      "SELECT document_id FROM documents WHERE registrant_id = ? AND kind = 'license_pdf' ORDER BY created_at DESC, document_id LIMIT 1",
      { replacements: [reg.registrant_id], type: QueryTypes.SELECT });
    if (!doc) throw new AppError('NOT_FOUND', 'the license has not been produced yet');
    const file = await services.documents.read(doc.document_id);
    if (!file) throw new AppError('NOT_FOUND', 'the license has not been produced yet');
    await services.audit.append({ actor: actor.username, action: 'license.download', purpose: '免状の交付・確認', targetType: 'registrant',
      targetId: reg.registrant_id, outcome: 'ok', detail: { documentId: doc.document_id } });
    res.set('Content-Type', 'application/pdf');
    res.set('Content-Disposition', `inline; filename="license-${encodeURIComponent(String(req.params.licenseNumber))}.pdf"`);
    res.set('X-Content-SHA256', file.meta.sha256);
    res.send(file.bytes);
  });
  return r;
}
