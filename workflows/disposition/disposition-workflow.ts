/**
 * A disposition (処分) on a registrant, ID `case-<caseId>`: proposed by a reviewer, decided by a
 * supervisor who is not the proposer (two people, R6.x); a return order (返納命令) first waits for
 * its hearing (聴聞). Approved, it takes effect on the registry (warning recorded on the entry,
 * suspension with its end date, return order with the 1-year ban); a suspension then sleeps on a
 * durable timer until its end and restores the entry, surviving any restart in between.
 * The decision uses the same review-task updates as every case, so the reviewers' queue serves it.
 */
import { ApplicationFailure, condition, proxyActivities, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { CaseActivities } from '../../activities/case-contract';
import { caseStateQuery, claimReviewUpdate, decideReviewUpdate, type DecisionInput } from '../case/messages';
import type { CaseState, CaseStatus } from '../case/model';
import { CaseStatusKey, CaseTypeKey, ChannelKey } from '../case/search-attributes';
import { recordHearingUpdate, type HearingInput } from './messages';
import type { DispositionActivities, DispositionWorkflowInput } from './model';

const db = proxyLocalActivities<CaseActivities & DispositionActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});
/** Lifting a suspension may happen months later: a regular activity retried patiently. */
const later = proxyActivities<DispositionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

export async function dispositionWorkflow(input: DispositionWorkflowInput): Promise<{ status: CaseStatus }> {
  const { caseId } = input;
  const state: CaseState = { caseId, status: 'received', history: [], reviewTask: null, payment: null,
    registrantId: input.registrantId, licenseNumber: null, documentId: null };
  let seq = 0;
  let hearing: HearingInput | null = null;
  let decision: DecisionInput | null = null;
  const setStatus = async (status: CaseStatus, note?: string) => {
    state.status = status;
    state.history.push({ status, at: new Date().toISOString(), ...(note ? { note } : {}) });
    upsertSearchAttributes([{ key: CaseStatusKey, value: status }]);
    await db.recordStatus({ caseId, status, seq: ++seq, note });
  };

  setHandler(caseStateQuery, () => state);
  setHandler(recordHearingUpdate, async (h) => {
    await db.recordHearing({ caseId, actor: h.actor, summary: h.summary });
    hearing = h;
  }, {
    validator: (h) => {
      if (state.status !== 'hearing' || hearing) throw ApplicationFailure.nonRetryable('no hearing is pending for this disposition', 'CONFLICT');
      if (!h.summary?.trim()) throw ApplicationFailure.nonRetryable('the hearing record is required', 'VALIDATION_FAILED');
    },
  });
  setHandler(claimReviewUpdate, async ({ taskId, actor }) => {
    const task = state.reviewTask!;
    task.status = 'claimed';
    task.assignee = actor;
    await db.updateReviewTask({ taskId, status: 'claimed', actor });
    return { taskId, status: task.status, assignee: task.assignee };
  }, {
    validator: ({ taskId, actor, role }) => {
      const task = state.reviewTask;
      if (!task || task.taskId !== taskId || task.status === 'decided') throw ApplicationFailure.nonRetryable('the review task is not open', 'CONFLICT');
      if (task.assignee && task.assignee !== actor) throw ApplicationFailure.nonRetryable('the review task is held by someone else', 'CONFLICT');
      if (role !== 'supervisor') throw ApplicationFailure.nonRetryable('a disposition is decided by a supervisor (決裁)', 'CONFLICT');
      if (actor === input.proposedBy) throw ApplicationFailure.nonRetryable('the proposer may not decide their own proposal', 'CONFLICT');
    },
  });
  setHandler(decideReviewUpdate, (d) => {
    state.reviewTask!.status = 'decided';
    decision = d;
    return { taskId: d.taskId, status: 'decided', assignee: d.actor };
  }, {
    validator: (d) => {
      const task = state.reviewTask;
      if (!task || task.taskId !== d.taskId || task.status === 'decided') throw ApplicationFailure.nonRetryable('the review task is not open', 'CONFLICT');
      if (task.assignee !== d.actor) throw ApplicationFailure.nonRetryable('claim the review task before deciding it', 'CONFLICT');
      if (d.role !== 'supervisor') throw ApplicationFailure.nonRetryable('a disposition is decided by a supervisor (決裁)', 'CONFLICT');
      if (d.actor === input.proposedBy) throw ApplicationFailure.nonRetryable('the proposer may not decide their own proposal', 'CONFLICT');
      if (d.decision !== 'approve' && d.decision !== 'reject') throw ApplicationFailure.nonRetryable('decision must be approve or reject', 'VALIDATION_FAILED');
      if (d.decision === 'reject' && !d.reason?.trim()) throw ApplicationFailure.nonRetryable('a reason is required to reject', 'VALIDATION_FAILED');
    },
  });

  upsertSearchAttributes([{ key: CaseTypeKey, value: 'disposition' }, { key: ChannelKey, value: 'system' }]);
  await setStatus('received');
  if (input.kind === 'return_order') {
    await setStatus('hearing'); // 聴聞 before a return order
    await condition(() => hearing !== null);
  }
  const taskId = uuid4();
  const { dueAt } = await db.openReviewTask({ caseId, taskId, kind: 'disposition_decision', dueBusinessDays: input.reviewDueBusinessDays,
    findings: { identity: { outcome: 'documents', discrepancies: [] }, honseki: { outcome: 'not_applicable' },
      eligibility: { passerFound: true, passerMatches: true, returnOrderWithinYear: false, notes: [`disposition:${input.kind}`] } } });
  state.reviewTask = { taskId, kind: 'disposition_decision', status: 'open', assignee: null, dueAt, escalated: false };
  await setStatus('under_review');
  await condition(() => decision !== null);
  const d = decision!;
  await db.updateReviewTask({ taskId, status: 'decided', actor: d.actor, decision: d.decision, reason: d.reason });
  if (d.decision === 'reject') {
    await db.rejectDisposition({ caseId, decidedBy: d.actor, reason: d.reason });
    await setStatus('rejected', d.reason);
    return { status: 'rejected' };
  }
  await setStatus('registering');
  await db.applyDisposition({ caseId, decidedBy: d.actor });
  await setStatus('completed');
  if (input.kind === 'suspension' && input.liftAt) {
    await sleep(Math.max(0, Date.parse(input.liftAt) - Date.now()));
    const { lifted } = await later.liftSuspension({ caseId });
    await setStatus('completed', lifted ? 'suspension_lifted' : 'suspension_already_ended');
  }
  return { status: 'completed' };
}
