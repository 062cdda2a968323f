/**
 * The reviewers' queue (api-contract "Review tasks"). The list is keyset-paged by (due_at, task_id)
 * so a reviewer walks a long queue without OFFSET scans. Claim and decision are workflow updates:
 * their validators refuse a task held by someone else or not claimed by the caller (409) before
 * anything reaches the case's history. Opening a task shows the applicant's data: that read is
 * audited with the reviewer and the purpose.
 */
import { Router } from 'express';
import { QueryTypes } from 'sequelize';
import { actorOf, requirePermission } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { viaWorkflow } from '../temporal-errors';
import { parseWith, ReviewDecisionRequest, ReviewTaskQuery } from '../cases/schemas';
import { claimReviewUpdate, decideReviewUpdate } from '../../workflows/case/messages';
import { UUID } from '../ids';
import { query } from '../../db/query';


interface TaskRow {
  task_id: string;
  case_id: string;
  kind: string;
  status: string;
  assignee: string | null;
  due_at: Date;
  findings: unknown;
  decision: string | null;
  decision_reason: string | null;
  decided_by: string | null;
}

const encodeCursor = (dueAt: Date, taskId: string) => Buffer.from(`${new Date(dueAt).toISOString()}|${taskId}`).toString('base64url');
function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !UUID.test(id)) throw new AppError('VALIDATION_FAILED', 'the cursor is invalid');
  return [new Date(at).toISOString().replace('T', ' ').replace('Z', ''), id];
}
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

export function reviewTaskRoutes(deps: ApiDeps): Router {
  const r = Router();
  const { db } = deps;

  const loadTask = async (taskId: string): Promise<TaskRow> => {
    if (!UUID.test(taskId)) throw new AppError('NOT_FOUND', 'no such review task');
    const [row] = await query<TaskRow>(db,
      `SELECT task_id, case_id, kind, status, assignee, due_at, findings, decision, decision_reason, decided_by
         FROM review_tasks WHERE task_id = ?`, { replacements: [taskId], type: QueryTypes.SELECT });
    if (!row) throw new AppError('NOT_FOUND', 'no such review task');
    return row;
  };

  r.get('/api/v1/review-tasks', requirePermission('review:read'), async (req, res) => {
    const q = parseWith(ReviewTaskQuery, req.query, 'the query');
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status === 'active') where.push("status IN ('open', 'claimed', 'escalated')");
    else { where.push('status = ?'); params.push(q.status); }
    if (q.assignee) { where.push('assignee = ?'); params.push(q.assignee === 'me' ? actorOf(res).username : q.assignee); }
    if (q.cursor) {
      const [at, id] = decodeCursor(q.cursor);
      where.push('(due_at, task_id) > (?, ?)');
      params.push(at, id);
    }
    const rows = await query<TaskRow>(db,
      `SELECT task_id, case_id, kind, status, assignee, due_at FROM review_tasks WHERE ${where.join(' AND ')}
        ORDER BY due_at, task_id LIMIT ${q.limit + 1}`, { replacements: params, type: QueryTypes.SELECT });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map((t) => ({ taskId: t.task_id, caseId: t.case_id, kind: t.kind, status: t.status,
        dueAt: new Date(t.due_at).toISOString(), assignee: t.assignee, overdue: new Date(t.due_at).getTime() < Date.now() })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.due_at, last.task_id) : null,
    });
  });

  r.get('/api/v1/review-tasks/:taskId', requirePermission('review:read'), async (req, res) => {
    const actor = actorOf(res);
    const task = await loadTask(String(req.params.taskId));
    const [c] = await query<{ type: string; channel: string; status: string; passer_number: string | null; applicant: unknown }>(db,
      'SELECT type, channel, status, passer_number, applicant FROM cases WHERE case_id = ?', { replacements: [task.case_id], type: QueryTypes.SELECT });
    const results = await query<{ kind: string; result: unknown; purged_at: Date | null }>(db,
      'SELECT kind, result, purged_at FROM inquiry_results WHERE case_id = ?', { replacements: [task.case_id], type: QueryTypes.SELECT });
    const attachments = await query<{ document_id: string; content_type: string; size_bytes: number }>(db,
      "SELECT document_id, content_type, size_bytes FROM documents WHERE case_id = ? AND kind = 'attachment' ORDER BY created_at",
      { replacements: [task.case_id], type: QueryTypes.SELECT });
    await deps.services.audit.append({ actor: actor.username, action: 'review_task.read', purpose: '審査のための申請内容の閲覧',
      targetType: 'case', targetId: task.case_id, outcome: 'ok', detail: { taskId: task.task_id } });
    res.json({
      taskId: task.task_id, caseId: task.case_id, kind: task.kind, status: task.status, assignee: task.assignee,
      dueAt: new Date(task.due_at).toISOString(), findings: json(task.findings),
      decision: task.decision ? { decision: task.decision, reason: task.decision_reason, decidedBy: task.decided_by } : null,
      case: { type: c.type, channel: c.channel, status: c.status, passerNumber: c.passer_number, applicant: json(c.applicant) },
      registryAnswers: Object.fromEntries(results.map((x) => [x.kind, x.purged_at ? { purged: true } : json(x.result)])),
      attachments: attachments.map((a) => ({ documentId: a.document_id, contentType: a.content_type, sizeBytes: Number(a.size_bytes) })),
    });
  });

  r.post('/api/v1/review-tasks/:taskId/claim', requirePermission('review:claim'), async (req, res) => {
    const actor = actorOf(res);
    const task = await loadTask(String(req.params.taskId));
    const result = await viaWorkflow(() => deps.temporal.workflow.getHandle(`case-${task.case_id}`)
      .executeUpdate(claimReviewUpdate, { args: [{ taskId: task.task_id, actor: actor.username, role: actor.role }] }));
    res.json(result);
  });

  r.post('/api/v1/review-tasks/:taskId/decision', requirePermission('review:decide'), async (req, res) => {
    const actor = actorOf(res);
    const task = await loadTask(String(req.params.taskId));
    const body = parseWith(ReviewDecisionRequest, req.body);
    const result = await viaWorkflow(() => deps.temporal.workflow.getHandle(`case-${task.case_id}`)
      .executeUpdate(decideReviewUpdate, { args: [{ taskId: task.task_id, actor: actor.username, role: actor.role, decision: body.decision, reason: body.reason }] }));
    res.json({ ...result, decision: body.decision });
  });

  return r;
}
