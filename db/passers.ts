/**
 * The exam body's list of passers (合格者), imported from CSV (api-contract "Exam passers"):
 * header `passerNumber,nameKanji,nameKana,birthDate,examDate`, UTF-8 (a BOM is accepted). Each row
 * is normalised like an application, so matching compares like with like. Re-importing the same
 * rows changes nothing; a changed row is updated (and counted); a bad row is reported with its
 * line number while the others are still imported. Messages name the field, never the value.
 */
import { parse } from 'csv-parse/sync';
import { QueryTypes, type Sequelize } from 'sequelize';
import { normaliseNameKana, normaliseNameKanji, normaliseOpaqueId, validateBirthDate, validateIsoDate } from '../domain/validation';
import type { AuditLog } from './audit';
import { sqlTime } from './connection';

export const PASSER_HEADER = ['passerNumber', 'nameKanji', 'nameKana', 'birthDate', 'examDate'] as const;

export interface Passer {
  passerNumber: string;
  nameKanji: string;
  nameKana: string;
  birthDate: string;
  examDate: string;
}

export interface ImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: { line: number; message: string }[];
}

export function parsePassersCsv(text: string): { passers: { line: number; passer: Passer }[]; errors: ImportReport['errors'] } {
  const errors: ImportReport['errors'] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, info: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    return { passers: [], errors: [{ line: (err as { lines?: number }).lines ?? 0, message: 'the file is not valid CSV' }] };
  }
  const [head, ...rows] = records;
  if (!head || head.record.join(',') !== PASSER_HEADER.join(',')) {
    return { passers: [], errors: [{ line: 1, message: `the header must be ${PASSER_HEADER.join(',')}` }] };
  }
  const passers: { line: number; passer: Passer }[] = [];
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length !== PASSER_HEADER.length) {
      errors.push({ line, message: `expected ${PASSER_HEADER.length} fields, found ${record.length}` });
      continue;
    }
    const checks = [
      ['passerNumber', normaliseOpaqueId(record[0])], ['nameKanji', normaliseNameKanji(record[1])], ['nameKana', normaliseNameKana(record[2])],
      ['birthDate', validateBirthDate(record[3])], ['examDate', validateIsoDate(record[4])],
    ] as const;
    const bad = checks.find(([, r]) => !r.ok);
    if (bad) {
      errors.push({ line, message: `${bad[0]}: ${(bad[1] as { message: string }).message}` });
      continue;
    }
    const v = checks.map(([, r]) => (r as { value: string }).value);
    passers.push({ line, passer: { passerNumber: v[0], nameKanji: v[1], nameKana: v[2], birthDate: v[3], examDate: v[4] } });
  }
  return { passers, errors };
}

export async function importPassers(db: Sequelize, audit: AuditLog, text: string, actor: string): Promise<ImportReport> {
  const { passers, errors } = parsePassersCsv(text);
  const report: ImportReport = { rows: passers.length + errors.length, inserted: 0, updated: 0, unchanged: 0, errors };
  const seen = new Map<string, number>();
  for (let i = 0; i < passers.length; i += 500) {
    const chunk = passers.slice(i, i + 500);
    const existing = new Map((await db.query<{ passer_number: string; name_kanji: string; name_kana: string; birth_date: string; exam_date: string }>(
      `SELECT passer_number, name_kanji, name_kana, DATE_FORMAT(birth_date, '%Y-%m-%d') AS birth_date, DATE_FORMAT(exam_date, '%Y-%m-%d') AS exam_date
         FROM passers WHERE passer_number IN (?)`, { replacements: [chunk.map((p) => p.passer.passerNumber)], type: QueryTypes.SELECT },
    )).map((r) => [r.passer_number, r]));
    for (const { line, passer: p } of chunk) {
      const first = seen.get(p.passerNumber);
      if (first !== undefined) {
        report.errors.push({ line, message: `passerNumber repeats line ${first}` });
        continue;
      }
      seen.set(p.passerNumber, line);
      const old = existing.get(p.passerNumber);
      if (old && old.name_kanji === p.nameKanji && old.name_kana === p.nameKana && old.birth_date === p.birthDate && old.exam_date === p.examDate) {
        report.unchanged++;
      } else if (old) {
        await db.query('UPDATE passers SET name_kanji = ?, name_kana = ?, birth_date = ?, exam_date = ?, imported_at = ? WHERE passer_number = ?',
          { replacements: [p.nameKanji, p.nameKana, p.birthDate, p.examDate, sqlTime(), p.passerNumber] });
        report.updated++;
      } else {
        await db.query('INSERT INTO passers (passer_number, name_kanji, name_kana, birth_date, exam_date, imported_at) VALUES (?, ?, ?, ?, ?, ?)',
          { replacements: [p.passerNumber, p.nameKanji, p.nameKana, p.birthDate, p.examDate, sqlTime()] });
        report.inserted++;
      }
    }
  }
  report.errors.sort((a, b) => a.line - b.line);
  await audit.append({ actor, action: 'passers.import', purpose: '合格者名簿の取込み', outcome: report.errors.length ? 'error' : 'ok',
    detail: { rows: report.rows, inserted: report.inserted, updated: report.updated, unchanged: report.unchanged, errors: report.errors.length } });
  return report;
}
