/**
 * Cases (api-contract "Cases" and "Payment"): intake, reading, withdrawal, resubmission (補正),
 * revenue stamps, and the applicant's online notices. Changes to a running case go through the
 * workflow's updates, whose validators refuse what the case's state does not allow (409).
 */
import { Router } from 'express';
import { QueryTypes } from 'sequelize';
import { actorOf, requirePermission } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { viaWorkflow } from '../temporal-errors';
import { checkIdempotencyKey, ensureCaseWorkflow, intakeCase, storeAttachments } from '../cases/intake';
import { ServerTiming } from '../server-timing';
import { caseView, loadCaseFor } from '../cases/read';
import { CreateCaseRequest, parseWith, ResubmissionRequest, RevenueStampRequest, WithdrawRequest } from '../cases/schemas';
import { sqlTime } from '../../db/connection';
import { resubmitUpdate, revenueStampUpdate, withdrawUpdate } from '../../workflows/case/messages';
import './cases-openapi';
import { query, transaction } from '../../db/query';

const handleOf = (deps: ApiDeps, caseId: string) => deps.temporal.workflow.getHandle(`case-${caseId}`);

export function caseRoutes(deps: ApiDeps): Router {
  const r = Router();
  const { db } = deps;

  r.post('/api/v1/cases', requirePermission('case:create'), async (req, res) => {
    const timing = new ServerTiming(deps.config.SERVER_TIMING === 'on');
    timing.before(res.locals as { receivedAt?: number; authMs?: number }, performance.now());
    const key = checkIdempotencyKey(req.get('idempotency-key'));
    const body = parseWith(CreateCaseRequest, req.body);
    const result = await timing.time('total', () => intakeCase(deps, actorOf(res), key, body, timing));
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    if (timing.enabled) res.set('Server-Timing', timing.header());
    res.status(201).json({ caseId: result.caseId, type: result.type, channel: result.channel, status: result.status, createdAt: result.createdAt });
  });

  r.get('/api/v1/cases/:caseId', requirePermission('case:read'), async (req, res) => {
    const row = await loadCaseFor(db, actorOf(res), String(req.params.caseId));
    res.json(await caseView(db, row));
  });

  r.post('/api/v1/cases/:caseId/withdraw', requirePermission('case:withdraw'), async (req, res) => {
    const actor = actorOf(res);
    const row = await loadCaseFor(db, actor, String(req.params.caseId));
    const { reason } = parseWith(WithdrawRequest, req.body);
    await ensureCaseWorkflow(deps, row); // filed a moment ago: its workflow may not have started yet
    await viaWorkflow(() => handleOf(deps, row.case_id).executeUpdate(withdrawUpdate, { args: [{ actor: actor.username, reason }] }));
    await deps.services.audit.append({ actor: actor.username, action: 'case.withdraw', purpose: '申請の取下げ', targetType: 'case',
      targetId: row.case_id, outcome: 'ok' });
    res.status(202).json({ caseId: row.case_id, status: 'withdrawing' });
  });

  r.post('/api/v1/cases/:caseId/resubmission', requirePermission('case:resubmit'), async (req, res) => {
    const actor = actorOf(res);
    const row = await loadCaseFor(db, actor, String(req.params.caseId));
    const body = parseWith(ResubmissionRequest, req.body);
    if (row.status !== 'returned_for_correction') throw new AppError('CONFLICT', 'the case is not waiting for a correction');
    const { passerNumber, ...changes } = body.changes;
    // The corrected data is in place before the workflow resumes and reads it.
    const applicant = { ...(typeof row.applicant === 'string' ? JSON.parse(row.applicant) : row.applicant), ...changes };
    await transaction(db, async (t) => {
      await query(db, `UPDATE cases SET applicant = ?, passer_number = COALESCE(?, passer_number), updated_at = ? WHERE case_id = ?`,
        { replacements: [JSON.stringify(applicant), passerNumber ?? null, sqlTime(), row.case_id], transaction: t });
      await deps.services.audit.append({ actor: actor.username, action: 'case.resubmit', purpose: '補正', targetType: 'case',
        targetId: row.case_id, outcome: 'ok', detail: { changed: Object.keys(body.changes), attachments: body.attachments?.length ?? 0 } }, t);
    });
    await storeAttachments(deps, row.case_id, body.attachments ?? [], `resubmission-${Date.now()}`);
    await viaWorkflow(() => handleOf(deps, row.case_id).executeUpdate(resubmitUpdate, { args: [{ actor: actor.username, note: body.note }] }));
    res.status(202).json({ caseId: row.case_id, status: 'resubmitted' });
  });

  r.post('/api/v1/cases/:caseId/revenue-stamp', requirePermission('payment:stamp'), async (req, res) => {
    const actor = actorOf(res);
    const row = await loadCaseFor(db, actor, String(req.params.caseId));
    const { amount } = parseWith(RevenueStampRequest, req.body);
    const payment = await viaWorkflow(() => handleOf(deps, row.case_id).executeUpdate(revenueStampUpdate, { args: [{ actor: actor.username, amount }] }));
    res.json({ caseId: row.case_id, payment: { method: payment.method, amount: payment.amount, status: payment.status } });
  });

  r.get('/api/v1/cases/:caseId/notices', requirePermission('case:read'), async (req, res) => {
    const row = await loadCaseFor(db, actorOf(res), String(req.params.caseId));
    const notices = await query<{ notice_id: string; kind: string; subject: string; body: string; created_at: Date; read_at: Date | null }>(db,
      'SELECT notice_id, kind, subject, body, created_at, read_at FROM notices WHERE case_id = ? ORDER BY created_at, notice_id',
      { replacements: [row.case_id], type: QueryTypes.SELECT });
    if (actorOf(res).kind === 'client') {
      // Read through the portal by the applicant: mark as read.
      await query(db, 'UPDATE notices SET read_at = ? WHERE case_id = ? AND read_at IS NULL', { replacements: [sqlTime(), row.case_id] });
    }
    res.json({ items: notices.map((n) => ({ noticeId: n.notice_id, kind: n.kind, subject: n.subject, body: n.body,
      createdAt: new Date(n.created_at).toISOString(), readAt: n.read_at ? new Date(n.read_at).toISOString() : null })) });
  });

  return r;
}
