/**
 * One workflow per application, ID `case-<caseId>`: receipt → identity and 本籍 checks → review
 * (return for correction ⇄ resubmission) → payment → registration → license → notification.
 * It carries no personal data: the applicant is the case ID; activities read the rest.
 */
import {
  ActivityFailure, ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes, uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  CaseActivities, RecordStatusInput, SettlePaymentInput, StatusChange, StatusSteps, UpdateReviewTaskInput,
} from '../../activities/case-contract';
import {
  caseStateQuery, claimReviewUpdate, decideReviewUpdate, paymentConfirmedSignal, resubmitUpdate,
  revenueStampUpdate, withdrawUpdate, type DecisionInput, type PaymentConfirmedInput, type ResubmitInput, type WithdrawInput,
} from './messages';
import {
  ACCEPTED_STATUSES, LICENSE_PRODUCING_TYPES, REGISTRATION_REFUSALS, TERMINAL_STATUSES, type CaseOutcome, type CaseState, type CaseStatus, type CaseWorkflowInput,
  type CheckFindings,
} from './model';
import { CaseStatusKey, CaseTypeKey, ChannelKey } from './search-attributes';

/** Database and queue work: quick, retried a few times. */
const local = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});
/**
 * The same quick database and queue work as local activities: run inside the workflow task, they
 * cost no history events of their own (a marker each) and far fewer state transitions (issue #4's
 * budget). A longer retry backoff than the threshold becomes a durable timer.
 */
const fastLocal = proxyLocalActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});
/** Outside systems: an outage is waited out (up to a week), business refusals are non-retryable. */
const remote = proxyActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '15 minutes' },
});
/** License production: CPU work (font subsetting, PDF). */
const heavy = proxyActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
});
/**
 * The same outside systems and license production as local activities (PATCH_LOCAL_CHECKS): the
 * same timeouts and retries, each attempt inside the workflow task (the worker heartbeats a task
 * that runs long), a backoff beyond the threshold a durable timer — an outage is still waited out
 * for a week, without holding a workflow task meanwhile.
 */
const remoteLocal = proxyLocalActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '7 days',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '15 minutes' },
});
const heavyLocal = proxyLocalActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
});
/**
 * License production with its print job (PATCH_FUSED_STEPS): the render's timeout, and the queue's
 * patience — a Redis outage is waited out as long as the print job's own activity did.
 */
const licenseLocal = proxyLocalActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** patched() IDs: each guards a change made while cases of the older code may be running. */
export const PATCH_WITHDRAWN_AFTER_PAYMENT = 'withdrawn-after-payment-refund';
export const PATCH_LATE_PAYMENT_REFUND = 'late-payment-refund';
/** Cases started from this version on run their database steps as local activities. */
export const PATCH_LOCAL_ACTIVITIES = 'local-activities';
/**
 * A business refusal of the registration step (REGISTRATION_REFUSALS) ends the case `rejected`
 * with a refund, a notice and an audit entry; before, it failed the workflow in `registering`.
 */
export const PATCH_REGISTERING_BUSINESS_FAILURE = 'registering-business-failure';
/**
 * Cases started from this version on take fewer workflow and activity tasks (issue #4's speed
 * targets): the identity, 本籍 and eligibility checks run together; the payment is created by a
 * local activity; a status change and the notice that goes with it are one local activity.
 */
export const PATCH_FEWER_TASKS = 'fewer-tasks';
/**
 * Cases started from this version on record a status change inside the local activity next to it
 * (StatusSteps): received and identity_check with the eligibility check, under_review with the
 * review task, awaiting_payment with the payment, registering and producing_license around the
 * registration, completed with the print job — 9 local activities on the happy path instead of 15.
 */
export const PATCH_FEWER_STEPS = 'fewer-steps';
/**
 * Cases started from this version on run the identity and 本籍 checks and the license production as
 * local activities (remoteLocal, heavyLocal): the happy path takes 4 workflow tasks and no activity
 * task instead of 6 and 3 (issue #4's throughput). Implies 'fewer-steps'.
 */
export const PATCH_LOCAL_CHECKS = 'local-checks';
/**
 * A payment confirmation that arrives before the workflow knows its payment is kept until it does,
 * instead of being ignored. It happens when the workflow task that created the payment is lost
 * after its local activity ran (a worker that dies then; bench:cases once saw the decision's task
 * lost on the server's side): the applicant sees the checkout and pays, and the retried task
 * handles the signal before it creates the payment again (same ID: workflow UUIDs are replayed).
 * Asked in the signal handler, so it applies to running cases too (their recorded histories never
 * asked it, so they replay as before).
 */
export const PATCH_EARLY_PAYMENT = 'early-payment';
/**
 * Cases started from this version on carry the work of three local activities in the step after
 * it (StatusSteps.task / settle, ProduceLicenseInput.print): the approving decision is recorded by
 * the payment's activity, the online payment by the registration's, the print job by the license's
 * — 8 local activities on the happy path instead of 11 (issue #4's throughput). The calls, their
 * order and their effects are those of before. Implies 'local-checks'.
 */
export const PATCH_FUSED_STEPS = 'fused-steps';

/** Ends the case early with a terminal status (caught at the top of the workflow). */
class CaseEnded extends Error {
  /** `refused`: the registration step refused the case (see PATCH_REGISTERING_BUSINESS_FAILURE). */
  constructor(readonly status: CaseStatus, readonly note: string, readonly refused = false) {
    super(note);
  }
}

/**
 * The note of a business refusal by registerRegistrant, or undefined for any other failure. A
 * regular activity's failure arrives as an ActivityFailure around the activity's own; a local
 * activity's as the activity's own.
 */
function registrationRefusal(err: unknown): string | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (!(failure instanceof ApplicationFailure) || !failure.nonRetryable) return undefined;
  const type = failure.type ?? '';
  return Object.prototype.hasOwnProperty.call(REGISTRATION_REFUSALS, type) ? REGISTRATION_REFUSALS[type] : undefined;
}

export async function caseWorkflow(input: CaseWorkflowInput): Promise<CaseOutcome> {
  const { caseId, settings } = input;
  // Decided once, at the first workflow task: a case started on older code keeps its path. The
  // newest patch is asked first and implies the older ones, so a new case records one patch marker
  // (and one TemporalChangeVersion upsert, a visibility write each) instead of three. A case without
  // it asks the older ones in their original order: replay matches patch markers in order.
  const fused = patched(PATCH_FUSED_STEPS);
  const localChecks = fused || patched(PATCH_LOCAL_CHECKS);
  const fewerSteps = localChecks || patched(PATCH_FEWER_STEPS);
  const checks = localChecks ? remoteLocal : remote;
  const producer = localChecks ? heavyLocal : heavy;
  const db = fewerSteps || patched(PATCH_LOCAL_ACTIVITIES) ? fastLocal : local;
  const fewerTasks = fewerSteps || patched(PATCH_FEWER_TASKS);
  const ref = { caseId };
  const state: CaseState = {
    caseId, status: 'received', history: [], reviewTask: null, payment: null,
    registrantId: null, licenseNumber: null, documentId: null,
  };
  let seq = 0;
  let withdrawal: WithdrawInput | null = null;
  /**
   * Work a 'fused-steps' case hands to its next step's activity (StatusSteps.task, .settle) instead
   * of a local activity of its own; `carried()` takes it for that step, `flushCarried()` records
   * what no step took (a case that ends first).
   */
  let carriedTask: UpdateReviewTaskInput | null = null;
  let carriedSettle: SettlePaymentInput | null = null;
  const carried = (): Pick<StatusSteps, 'task' | 'settle'> => {
    const steps = { ...(carriedTask ? { task: carriedTask } : {}), ...(carriedSettle ? { settle: carriedSettle } : {}) };
    carriedTask = carriedSettle = null;
    return steps;
  };
  const flushCarried = async () => {
    const { task, settle } = carried();
    if (task) await db.updateReviewTask(task);
    if (settle) await db.settlePayment(settle);
  };
  let resubmission: ResubmitInput | null = null;
  let decision: DecisionInput | null = null;

  /**
   * The search attributes whose value changes: the start sets type, channel and `received`
   * (caseStartSearchAttributes), so a case started on 'fewer-tasks' code upserts only changes (each
   * upsert is an event and a visibility update). Older cases upsert every time.
   */
  const upsertChanged = (pairs: { key: typeof CaseStatusKey; value: string }[]) => {
    const changed = fewerTasks ? pairs.filter(({ key, value }) => workflowInfo().typedSearchAttributes.get(key) !== value) : pairs;
    if (changed.length > 0) upsertSearchAttributes(changed);
  };
  /** The status in the workflow's state and search attribute. */
  const applyStatus = (status: CaseStatus, note?: string) => {
    state.status = status;
    state.history.push({ status, at: new Date().toISOString(), ...(note ? { note } : {}) });
    upsertChanged([{ key: CaseStatusKey, value: status }]);
  };
  /** A status change for an activity to record (PATCH_FEWER_STEPS); each takes the next sequence number. */
  const change = (status: CaseStatus, note?: string, notify?: RecordStatusInput['notify']): StatusChange =>
    ({ status, seq: ++seq, ...(note ? { note } : {}), ...(notify ? { notify } : {}) });
  const markStatus = (status: CaseStatus, note?: string, notify?: RecordStatusInput['notify']): StatusChange => {
    applyStatus(status, note);
    return change(status, note, notify);
  };
  /** Status changes made in the workflow that the next local activity records before its own work. */
  const pending: StatusChange[] = [];
  const setStatus = async (status: CaseStatus, note?: string, audit?: RecordStatusInput['audit'], notify?: RecordStatusInput['notify']) => {
    applyStatus(status, note);
    if (fewerSteps) {
      await db.recordStatus({ caseId, ...change(status, note, notify), ...(audit ? { audit } : {}) });
      return;
    }
    if (notify && fewerTasks) {
      await db.recordStatus({ caseId, status, seq: ++seq, note, ...(audit ? { audit } : {}), notify });
      return;
    }
    await db.recordStatus({ caseId, status, seq: ++seq, note, ...(audit ? { audit } : {}) });
    if (notify) await db.notifyApplicant({ caseId, ...notify });
  };
  const throwIfWithdrawn = () => {
    if (withdrawal) throw new CaseEnded('withdrawn', withdrawal.reason);
  };

  setHandler(caseStateQuery, () => state);

  setHandler(withdrawUpdate, (w) => {
    withdrawal = w;
  }, {
    validator: (w) => {
      if (!w.reason?.trim()) throw ApplicationFailure.nonRetryable('a reason is required', 'VALIDATION_FAILED');
      if (withdrawal || TERMINAL_STATUSES.includes(state.status)) {
        throw ApplicationFailure.nonRetryable(`the case is already ${state.status}`, 'CONFLICT');
      }
      if (ACCEPTED_STATUSES.includes(state.status)) {
        throw ApplicationFailure.nonRetryable('the application has been accepted (受理) and can no longer be withdrawn', 'CONFLICT');
      }
    },
  });

  /**
   * Two local activities in flight at once (a handler's and the main line's) may resolve in one
   * activation on replay where they resolved in two when recorded, and so order their commands
   * differently: a nondeterminism error. So a handler's activity waits for the main line's (the task
   * being stored), and the main line waits for a handler's (stamps being recorded) before going on.
   */
  let taskStored = true;
  let stampsRecording = false;
  setHandler(claimReviewUpdate, async ({ taskId, actor }) => {
    const task = state.reviewTask!;
    task.status = 'claimed';
    task.assignee = actor;
    if (!taskStored) await condition(() => taskStored);
    await db.updateReviewTask({ taskId, status: 'claimed', actor });
    return { taskId, status: task.status, assignee: task.assignee };
  }, {
    validator: ({ taskId, actor }) => {
      const task = state.reviewTask;
      if (!task || task.taskId !== taskId || task.status === 'decided') {
        throw ApplicationFailure.nonRetryable('the review task is not open', 'CONFLICT');
      }
      if (task.assignee && task.assignee !== actor) {
        throw ApplicationFailure.nonRetryable('the review task is held by someone else', 'CONFLICT');
      }
    },
  });

  setHandler(decideReviewUpdate, (d) => {
    state.reviewTask!.status = 'decided';
    decision = d;
    return { taskId: d.taskId, status: 'decided', assignee: d.actor };
  }, {
    validator: (d) => {
      const task = state.reviewTask;
      if (!task || task.taskId !== d.taskId || task.status === 'decided') {
        throw ApplicationFailure.nonRetryable('the review task is not open', 'CONFLICT');
      }
      if (task.assignee !== d.actor) {
        throw ApplicationFailure.nonRetryable('claim the review task before deciding it', 'CONFLICT');
      }
      if (!['approve', 'reject', 'return'].includes(d.decision)) {
        throw ApplicationFailure.nonRetryable('decision must be approve, reject or return', 'VALIDATION_FAILED');
      }
      if (d.decision !== 'approve' && !d.reason?.trim()) {
        throw ApplicationFailure.nonRetryable('a reason is required to reject or return', 'VALIDATION_FAILED');
      }
    },
  });

  setHandler(resubmitUpdate, (r) => {
    resubmission = r;
  }, {
    validator: (_r: ResubmitInput) => {
      if (state.status !== 'returned_for_correction' || resubmission) {
        throw ApplicationFailure.nonRetryable('the case is not waiting for a correction', 'CONFLICT');
      }
    },
  });

  /** Online payments that arrived after their payment had expired or been cancelled: refunded before the end. */
  const latePayments: PaymentConfirmedInput[] = [];
  /** Confirmations that arrived before their payment was in the state (PATCH_EARLY_PAYMENT). */
  const earlyPayments: PaymentConfirmedInput[] = [];
  const confirmPayment = (p: PaymentConfirmedInput) => {
    const pay = state.payment;
    if (pay && pay.paymentId === p.paymentId && pay.status === 'pending' && p.amount >= pay.amount) {
      pay.status = 'paid';
      pay.externalRef = p.externalRef;
    } else if (pay && pay.paymentId === p.paymentId && (pay.status === 'expired' || pay.status === 'cancelled')) {
      latePayments.push(p);
    } else if (!pay && patched(PATCH_EARLY_PAYMENT)) {
      earlyPayments.push(p);
    }
  };
  setHandler(paymentConfirmedSignal, confirmPayment);
  /** Once the payment is in the state: a confirmation kept for it counts. */
  const applyEarlyPayments = () => {
    for (const p of earlyPayments.splice(0)) {
      if (p.paymentId === state.payment?.paymentId) confirmPayment(p);
      else latePayments.push(p); // paid for a payment this run did not create after all: refunded before the end
    }
  };
  const refundLatePayments = async () => {
    while (latePayments.length > 0 && patched(PATCH_LATE_PAYMENT_REFUND)) {
      const p = latePayments.shift()!;
      await db.settlePayment({ caseId, paymentId: p.paymentId, outcome: 'paid', amount: p.amount, externalRef: p.externalRef });
      await local.settlePayment({ caseId, paymentId: p.paymentId, outcome: 'refunded', amount: p.amount });
      if (state.payment?.paymentId === p.paymentId) state.payment.status = 'refunded';
    }
  };

  /** False while a 'fewer-steps' case's payment is being stored (its activity comes first). */
  let paymentStored = true;
  setHandler(revenueStampUpdate, async ({ actor, amount }) => {
    const pay = state.payment!;
    pay.status = 'paid';
    stampsRecording = true;
    try {
      if (!paymentStored) await condition(() => paymentStored); // after the payment's own activity
      await db.settlePayment({ caseId, paymentId: pay.paymentId, outcome: 'paid', amount, actor });
    } catch (err) {
      if (fewerSteps) pay.status = 'pending'; // not recorded: the case keeps waiting for its payment
      throw err;
    } finally {
      stampsRecording = false;
    }
    return pay;
  }, {
    validator: ({ amount }) => {
      const pay = state.payment;
      if (state.status !== 'awaiting_payment' || !pay || pay.method !== 'revenue_stamp' || pay.status !== 'pending') {
        throw ApplicationFailure.nonRetryable('the case is not waiting for revenue stamps', 'CONFLICT');
      }
      if (!Number.isInteger(amount) || amount < pay.amount) {
        throw ApplicationFailure.nonRetryable(`the stamps must cover the fee of ${pay.amount} yen`, 'VALIDATION_FAILED');
      }
    },
  });

  const runChecks = async (): Promise<CheckFindings> => {
    if (fewerTasks) {
      const eligibilityInput = fewerSteps ? { ...ref, before: pending.splice(0) } : ref;
      const [identity, honseki, eligibility] = await Promise.all([checks.verifyIdentity(ref), checks.checkHonseki(ref), db.checkEligibility(eligibilityInput)]);
      return { identity, honseki, eligibility };
    }
    return { identity: await remote.verifyIdentity(ref), honseki: await remote.checkHonseki(ref), eligibility: await db.checkEligibility(ref) };
  };

  const returnForCorrection = async (reason: string) => {
    resubmission = null; // before the status changes, so an early resubmission is not lost
    await setStatus('returned_for_correction', reason, undefined, { kind: 'returned_for_correction', reason });
    const answered = await condition(() => resubmission !== null || withdrawal !== null, settings.correctionExpiry);
    throwIfWithdrawn();
    if (!answered) throw new CaseEnded('failed', 'correction_expired');
    await setStatus('resubmitted', resubmission!.note);
  };

  const review = async (findings: CheckFindings, round: number): Promise<DecisionInput> => {
    const taskId = uuid4();
    const kind = round === 1 ? 'review' : 're_review';
    decision = null;
    const task = { taskId, kind, dueBusinessDays: settings.reviewDueBusinessDays, findings };
    if (fewerSteps) {
      // The task is in the state before its activity ends: a reviewer may claim it as soon as it is stored.
      state.reviewTask = { taskId, kind, status: 'open', assignee: null, dueAt: '', escalated: false };
      taskStored = false;
      const { dueAt } = await db.openReviewTask({ caseId, ...task, after: [markStatus('under_review')] });
      state.reviewTask.dueAt = dueAt;
      taskStored = true;
    } else {
      const { dueAt } = await db.openReviewTask({ caseId, ...task });
      state.reviewTask = { taskId, kind, status: 'open', assignee: null, dueAt, escalated: false };
      await setStatus('under_review'); // after the task exists: a case under review always has its task
    }
    const { dueAt } = state.reviewTask;
    const untilDue = Math.max(1, Date.parse(dueAt) - Date.now());
    if (!(await condition(() => decision !== null || withdrawal !== null, untilDue))) {
      state.reviewTask.escalated = true;
      await db.updateReviewTask({ taskId, status: 'escalated' });
      await condition(() => decision !== null || withdrawal !== null);
    }
    if (withdrawal) {
      await db.updateReviewTask({ taskId, status: 'cancelled' });
      throwIfWithdrawn();
    }
    const d = decision!;
    const decided: UpdateReviewTaskInput = { taskId, status: 'decided', actor: d.actor, decision: d.decision, reason: d.reason };
    // 'fused-steps': an approval is recorded by the next step's activity (the payment's or the registration's).
    if (fused && d.decision === 'approve') carriedTask = decided;
    else await db.updateReviewTask(decided);
    return d;
  };

  const collectPayment = async () => {
    const paymentId = uuid4();
    const payment = { caseId, paymentId, method: input.paymentMethod, amount: settings.fee };
    if (fewerSteps) {
      // In the state before its activity ends, so a confirmation that arrives meanwhile is not lost;
      // stamps confirmed meanwhile are recorded once the payment is stored (paymentStored).
      state.payment = { paymentId, method: input.paymentMethod, amount: settings.fee, status: 'pending', checkoutUrl: null };
      paymentStored = false;
      const requested = markStatus('awaiting_payment', undefined, { kind: 'payment_requested' });
      applyEarlyPayments();
      state.payment.checkoutUrl = (await db.createPayment({ ...payment, ...carried(), after: [requested] })).checkoutUrl;
      paymentStored = true;
    } else {
      const { checkoutUrl } = await (fewerTasks ? db : local).createPayment(payment);
      state.payment = { paymentId, method: input.paymentMethod, amount: settings.fee, status: 'pending', checkoutUrl };
      applyEarlyPayments();
      // after the payment exists: a case awaiting payment can always be paid
      await setStatus('awaiting_payment', undefined, undefined, { kind: 'payment_requested' });
    }
    const pay = state.payment;
    // 'fewer-steps': not while stamps are being recorded (the handler's activity finishes first, and
    // a withdrawal meanwhile then finds them recorded and refunds them).
    const paid = await condition(() => (!fewerSteps || !stampsRecording) && (pay.status === 'paid' || withdrawal !== null), settings.paymentExpiry);
    if (fewerSteps && stampsRecording) await condition(() => !stampsRecording); // expired while being recorded
    if (pay.status !== 'paid') {
      pay.status = paid ? 'cancelled' : 'expired';
      await db.settlePayment({ caseId, paymentId, outcome: pay.status });
      throwIfWithdrawn();
      throw new CaseEnded('failed', 'payment_expired');
    }
    if (pay.method === 'online') {
      const settle: SettlePaymentInput = { caseId, paymentId, outcome: 'paid', amount: pay.amount, externalRef: pay.externalRef };
      if (fused) carriedSettle = settle; // recorded by the registration's activity, before it registers
      else await db.settlePayment(settle);
    }
    // Paid and withdrawn in the same instant: the withdrawal was accepted (before 受理), so it wins
    // and the fee is refunded (domain notes: refundable on withdrawal before acceptance).
    if (withdrawal && patched(PATCH_WITHDRAWN_AFTER_PAYMENT)) throwIfWithdrawn();
  };

  /**
   * The registration step (受理 and 登録, one transaction). When the registrant file refuses it —
   * the entry was erased, or the person registered or recorded as deceased, after intake — the case
   * ends `rejected`; an outage is retried by the activity's policy, and anything else fails the
   * workflow for an operator, as before.
   */
  const register = async (steps?: StatusSteps) => {
    try {
      return await db.registerRegistrant(steps ? { ...ref, ...steps } : ref);
    } catch (err) {
      const refusal = registrationRefusal(err);
      if (refusal && patched(PATCH_REGISTERING_BUSINESS_FAILURE)) throw new CaseEnded('rejected', refusal, true);
      throw err;
    }
  };

  upsertChanged([{ key: CaseTypeKey, value: input.type }, { key: ChannelKey, value: input.channel }]);
  try {
    // 'fewer-steps': received and identity_check are recorded by the eligibility check's activity.
    if (fewerSteps) pending.push(markStatus('received', undefined, { kind: 'received' }));
    else await setStatus('received', undefined, undefined, { kind: 'received' });
    for (let round = 1; ; round++) {
      if (fewerSteps) pending.push(markStatus('identity_check'));
      else await setStatus('identity_check');
      const findings = await runChecks();
      throwIfWithdrawn();
      if (findings.honseki.outcome === 'undeterminable') {
        await returnForCorrection('honseki_undeterminable');
        continue;
      }
      const d = await review(findings, round);
      if (d.decision === 'approve') break;
      if (d.decision === 'reject') throw new CaseEnded('rejected', d.reason);
      await returnForCorrection(d.reason);
    }
    // Every case type of issue #6 runs this same path; a fee of 0 has no payment step and only
    // registration, rewrite and reissue produce a license. (No patch needed: every case started
    // before this change is a registration with a fee, for which both conditions hold as before.)
    if (settings.fee > 0) await collectPayment();
    const producing = LICENSE_PRODUCING_TYPES.includes(input.type);
    if (fewerSteps) {
      // registering before the registration, and after it producing_license (or completed) only once it succeeded.
      const completed = () => change('completed', undefined, { kind: 'completed' });
      const reg = await register({ ...carried(), before: [markStatus('registering')], after: [producing ? change('producing_license') : completed()] });
      Object.assign(state, { registrantId: reg.registrantId, licenseNumber: reg.licenseNumber });
      if (producing) {
        applyStatus('producing_license');
        // 'fused-steps': the license's activity queues the print job and records completed itself.
        const doc = fused
          ? await licenseLocal.produceLicense({ caseId, registrantId: reg.registrantId, print: true, after: [completed()] })
          : await producer.produceLicense({ caseId, registrantId: reg.registrantId });
        state.documentId = doc.documentId;
        if (!fused) await db.enqueuePrintJob({ caseId, documentId: doc.documentId, after: [completed()] });
      }
      applyStatus('completed');
    } else {
      await setStatus('registering');
      const reg = await register();
      Object.assign(state, { registrantId: reg.registrantId, licenseNumber: reg.licenseNumber });
      if (producing) {
        await setStatus('producing_license');
        const doc = await heavy.produceLicense({ caseId, registrantId: reg.registrantId });
        state.documentId = doc.documentId;
        await db.enqueuePrintJob({ caseId, documentId: doc.documentId });
      }
      await setStatus('completed', undefined, undefined, { kind: 'completed' });
    }
  } catch (err) {
    if (!(err instanceof CaseEnded)) throw err;
    await flushCarried(); // e.g. a payment confirmed as the case was withdrawn: recorded, then refunded below
    if (err.status === 'withdrawn' && state.payment?.status === 'paid' && patched(PATCH_WITHDRAWN_AFTER_PAYMENT)) {
      await local.settlePayment({ caseId, paymentId: state.payment.paymentId, outcome: 'refunded', actor: (withdrawal as WithdrawInput | null)?.actor });
      state.payment.status = 'refunded';
    }
    if (err.refused && state.payment?.status === 'paid') {
      // Refused by the step that would have accepted it (受理): nothing was accepted, so the fee is
      // refunded as on a withdrawal before acceptance (domain notes).
      await local.settlePayment({ caseId, paymentId: state.payment.paymentId, outcome: 'refunded', reason: 'registration_refused' });
      state.payment.status = 'refunded';
    }
    await setStatus(err.status, err.note, err.refused ? { action: 'case.registration_refused' } : undefined,
      { kind: err.refused ? 'registration_refused' : err.status, reason: err.note });
  }
  latePayments.push(...earlyPayments.splice(0)); // the case ended before it asked for a payment
  await refundLatePayments();
  return { caseId, status: state.status, registrantId: state.registrantId, licenseNumber: state.licenseNumber };
}
