/** Reads of cases for the API: the contract's view, built from the database (kept by recordStatus). */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Actor } from '../auth';
import { AppError } from '../errors';
import { UUID } from '../ids';
import { query } from '../../db/query';

export interface CaseRecord {
  case_id: string;
  type: string;
  channel: string;
  status: string;
  created_by: string;
  created_at: Date;
  registrant_id: string | null;
  pseudonym_id: string | null;
  applicant: unknown;
  payment_method: string;
}


/**
 * The case, if the caller may see it (object-level check): a system client sees only the cases
 * it filed; staff with the permission see all. Unknown and forbidden answer the same 404.
 */
export async function loadCaseFor(db: Sequelize, actor: Actor, caseId: string): Promise<CaseRecord> {
  if (!UUID.test(caseId)) throw new AppError('NOT_FOUND', 'no such case');
  const [row] = await query<CaseRecord>(db,
    `SELECT case_id, type, channel, status, created_by, created_at, registrant_id, pseudonym_id, applicant, payment_method
       FROM cases WHERE case_id = ?`, { replacements: [caseId], type: QueryTypes.SELECT });
  if (!row || (actor.kind === 'client' && row.created_by !== actor.username)) throw new AppError('NOT_FOUND', 'no such case');
  return row;
}

export async function caseView(db: Sequelize, row: CaseRecord) {
  const [history, tasks, pays, reg] = await Promise.all([
    query<{ status: string; at: Date; note: string | null }>(db,
      'SELECT status, at, note FROM case_history WHERE case_id = ? ORDER BY id', { replacements: [row.case_id], type: QueryTypes.SELECT }),
    query<{ task_id: string; status: string; due_at: Date }>(db,
      'SELECT task_id, status, due_at FROM review_tasks WHERE case_id = ? ORDER BY created_at DESC LIMIT 1',
      { replacements: [row.case_id], type: QueryTypes.SELECT }),
    query<{ payment_id: string; method: string; amount: number; status: string; checkout_url: string | null }>(db,
      "SELECT payment_id, method, amount, status, checkout_url FROM payments WHERE case_id = ? AND kind = 'income' ORDER BY created_at DESC LIMIT 1",
      { replacements: [row.case_id], type: QueryTypes.SELECT }),
    row.registrant_id ? query<{ license_number: string }>(db, 'SELECT license_number FROM registrants WHERE registrant_id = ?',
      { replacements: [row.registrant_id], type: QueryTypes.SELECT }) : Promise.resolve([]),
  ]);
  const task = tasks[0];
  const pay = pays[0];
  return {
    caseId: row.case_id,
    type: row.type,
    channel: row.channel,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
    history: history.map((h) => ({ status: h.status, at: new Date(h.at).toISOString(), ...(h.note ? { note: h.note } : {}) })),
    reviewTask: task ? { taskId: task.task_id, status: task.status, dueAt: new Date(task.due_at).toISOString() } : null,
    payment: pay ? { paymentId: pay.payment_id, method: pay.method, amount: Number(pay.amount), status: pay.status,
      checkoutUrl: pay.status === 'pending' ? pay.checkout_url : null } : null,
    registrantId: row.registrant_id,
    licenseNumber: reg[0]?.license_number ?? null,
  };
}
