/**
 * Dispositions (api-contract "Dispositions and reconciliation"): a reviewer proposes; the case's
 * decision task is decided by a supervisor other than the proposer (through the reviewers' queue,
 * checked by the workflow's validator); a return order first records its hearing (聴聞).
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import { actorOf, BEARER, requirePermission } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { ErrorBody, registry } from '../openapi';
import { viaWorkflow } from '../temporal-errors';
import { parseWith } from '../cases/schemas';
import { sqlTime } from '../../db/connection';
import { isIsoDate, todayInTokyo } from '../../domain/iso-date';
import { dispositionWorkflow } from '../../workflows';
import { recordHearingUpdate } from '../../workflows/disposition/messages';
import { DISPOSITION_KINDS } from '../../workflows/disposition/model';
import { UUID } from '../ids';

const dateOrInstant = z.string().refine((v) => isIsoDate(v) || (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))), {
  error: 'must be a date YYYY-MM-DD or an ISO date-time',
});

export const DispositionRequest = registry.register('DispositionRequest', z.strictObject({
  registrantId: z.string().uuid(),
  kind: z.enum(DISPOSITION_KINDS),
  reason: z.string().trim().min(1).max(1000),
  effectiveFrom: z.string().refine(isIsoDate, { error: 'must be a date YYYY-MM-DD' }).optional(),
  effectiveUntil: dateOrInstant.optional().openapi({ description: 'suspension: its last day (restored after it) or an exact instant' }),
}).superRefine((b, ctx) => {
  if (b.kind === 'suspension' && !b.effectiveUntil) ctx.addIssue({ code: 'custom', path: ['effectiveUntil'], message: 'a suspension needs its end (effectiveUntil)' });
  if (b.kind !== 'suspension' && b.effectiveUntil) ctx.addIssue({ code: 'custom', path: ['effectiveUntil'], message: 'only a suspension has an end' });
}));
const HearingRequest = registry.register('HearingRequest', z.strictObject({ summary: z.string().trim().min(1).max(2000) }));

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
registry.registerPath({ method: 'post', path: '/api/v1/dispositions', tags: ['dispositions'], security: BEARER,
  summary: 'Propose a disposition (reviewer); decided by another person, a supervisor, through the review queue',
  request: { body: json(DispositionRequest) }, responses: { 201: { description: '{dispositionId, caseId}' }, 400: { description: 'invalid', ...json(ErrorBody) } } });
registry.registerPath({ method: 'post', path: '/api/v1/dispositions/{dispositionId}/hearing', tags: ['dispositions'], security: BEARER,
  summary: 'Record the hearing (聴聞) of a return order (supervisor)', request: { params: z.object({ dispositionId: z.string().uuid() }), body: json(HearingRequest) },
  responses: { 200: { description: 'recorded' }, 409: { description: 'no hearing pending', ...json(ErrorBody) } } });
registry.registerPath({ method: 'get', path: '/api/v1/dispositions/{dispositionId}', tags: ['dispositions'], security: BEARER,
  summary: 'A disposition and its state', request: { params: z.object({ dispositionId: z.string().uuid() }) }, responses: { 200: { description: 'the disposition' } } });


export function dispositionRoutes(deps: ApiDeps): Router {
  const r = Router();
  const { db } = deps;

  const load = async (id: string) => {
    if (!UUID.test(id)) throw new AppError('NOT_FOUND', 'no such disposition');
    const [d] = await db.query<{ disposition_id: string; case_id: string; registrant_id: string; kind: string; status: string; reason: string;
      effective_until: string | null; proposed_by: string; decided_by: string | null; hearing_held_at: Date | null }>(
      `SELECT disposition_id, case_id, registrant_id, kind, status, reason, DATE_FORMAT(effective_until, '%Y-%m-%d') AS effective_until,
              proposed_by, decided_by, hearing_held_at FROM dispositions WHERE disposition_id = ?`, { replacements: [id], type: QueryTypes.SELECT });
    if (!d) throw new AppError('NOT_FOUND', 'no such disposition');
    return d;
  };

  r.post('/api/v1/dispositions', requirePermission('disposition:propose'), async (req, res) => {
    const actor = actorOf(res);
    const body = parseWith(DispositionRequest, req.body);
    const [reg] = await db.query<{ qualification_status: string }>('SELECT qualification_status FROM registrants WHERE registrant_id = ?',
      { replacements: [body.registrantId], type: QueryTypes.SELECT });
    if (!reg) throw new AppError('NOT_FOUND', 'no such registrant');
    if (reg.qualification_status === 'erased' || reg.qualification_status === 'revoked') throw new AppError('CONFLICT', `the entry is ${reg.qualification_status}`);
    let untilDate: string | null = null;
    let liftAt: string | undefined;
    if (body.effectiveUntil) {
      untilDate = isIsoDate(body.effectiveUntil) ? body.effectiveUntil : todayInTokyo(new Date(body.effectiveUntil));
      liftAt = isIsoDate(body.effectiveUntil) ? new Date(`${body.effectiveUntil}T23:59:59.999+09:00`).toISOString() : new Date(body.effectiveUntil).toISOString();
      if (Date.parse(liftAt) <= Date.now()) throw new AppError('VALIDATION_FAILED', 'effectiveUntil must be in the future');
    }
    const caseId = randomUUID();
    const dispositionId = randomUUID();
    await db.transaction(async (t) => {
      const now = sqlTime();
      await db.query(
        `INSERT INTO cases (case_id, type, channel, status, idempotency_key, request_hash, registrant_id, applicant, details, payment_method, created_by, created_at, updated_at)
         VALUES (?, 'disposition', 'system', 'received', ?, REPEAT('0', 64), ?, '{}', ?, 'revenue_stamp', ?, ?, ?)`,
        { replacements: [caseId, `disposition:${dispositionId}`, body.registrantId, JSON.stringify({ dispositionId, kind: body.kind }), actor.username, now, now],
          transaction: t });
      await db.query(
        `INSERT INTO dispositions (disposition_id, case_id, registrant_id, kind, status, reason, effective_from, effective_until, proposed_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?, ?)`,
        { replacements: [dispositionId, caseId, body.registrantId, body.kind, body.reason, body.effectiveFrom ?? null, untilDate, actor.username, now, now], transaction: t });
      await deps.services.audit.append({ actor: actor.username, action: 'disposition.propose', purpose: '処分の起案', targetType: 'registrant',
        targetId: body.registrantId, outcome: 'ok', detail: { dispositionId, kind: body.kind } }, t);
    });
    await deps.temporal.workflow.start(dispositionWorkflow, {
      workflowId: `case-${caseId}`, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ caseId, dispositionId, registrantId: body.registrantId, kind: body.kind, proposedBy: actor.username, liftAt,
        reviewDueBusinessDays: deps.config.REVIEW_DUE_BUSINESS_DAYS }],
    });
    res.status(201).json({ dispositionId, caseId });
  });

  r.post('/api/v1/dispositions/:dispositionId/hearing', requirePermission('disposition:decide'), async (req, res) => {
    const actor = actorOf(res);
    const d = await load(String(req.params.dispositionId));
    const { summary } = parseWith(HearingRequest, req.body);
    await viaWorkflow(() => deps.temporal.workflow.getHandle(`case-${d.case_id}`).executeUpdate(recordHearingUpdate, { args: [{ actor: actor.username, summary }] }));
    res.json({ dispositionId: d.disposition_id, status: 'hearing_recorded' });
  });

  r.get('/api/v1/dispositions/:dispositionId', requirePermission('case:read'), async (req, res) => {
    const d = await load(String(req.params.dispositionId));
    res.json({ dispositionId: d.disposition_id, caseId: d.case_id, registrantId: d.registrant_id, kind: d.kind, status: d.status, reason: d.reason,
      effectiveUntil: d.effective_until, proposedBy: d.proposed_by, decidedBy: d.decided_by,
      hearingHeldAt: d.hearing_held_at ? new Date(d.hearing_held_at).toISOString() : null });
  });
  return r;
}
