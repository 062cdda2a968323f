/**
 * Every branch of the case workflow with mocked activities, on the real Temporal dev server.
 * Run with RECORD_HISTORIES=1 to refresh the saved histories the replay test uses.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { caseStateQuery } from '../../workflows/case/messages';
import { CaseHarness, Gate, maybeRecordHistory, settings, waitForStatus, type Calls } from './case-harness';

const h = new CaseHarness();
beforeAll(() => h.start(), 60_000);
afterAll(() => h.close());

const statuses = (calls: Calls[]) => calls.filter((c) => c.name === 'recordStatus').map((c) => (c.input as { status: string }).status);
const called = (calls: Calls[], name: Calls['name']) => calls.filter((c) => c.name === name).map((c) => c.input as Record<string, unknown>);
const reviewer = 'reviewer1';

async function claimAndDecide(wf: Parameters<typeof maybeRecordHistory>[0], decision: 'approve' | 'reject' | 'return', reason = '') {
  const s = await waitForStatus(wf as never, 'under_review');
  const taskId = s.reviewTask!.taskId;
  await wf.executeUpdate('claimReview', { args: [{ taskId, actor: reviewer }] });
  await wf.executeUpdate('decideReview', { args: [{ taskId, actor: reviewer, decision, reason }] });
  return taskId;
}

describe('case workflow', () => {
  it('when the reviewer approves and the applicant pays online, then the case completes with a license', () =>
    h.run({}, async ({ start, calls }) => {
      // A long workflow task timeout: the worker heartbeats a task whose local activities run past
      // 80 % of it (8 s of the default 10 s — a starved CI machine got there once), and each
      // heartbeat is one more task completed; the count below is the workflow's, not the machine's.
      const wf = await start({}, { workflowTaskTimeout: '1 minute' });
      await claimAndDecide(wf, 'approve');
      const s = await waitForStatus(wf, 'awaiting_payment');
      expect(s.payment).toMatchObject({ status: 'pending', amount: 2300, checkoutUrl: expect.stringContaining('http') });
      await wf.signal('paymentConfirmed', { paymentId: s.payment!.paymentId, amount: 2300, externalRef: 'gw-1' });
      const out = await wf.result();
      expect(out).toMatchObject({ status: 'completed', registrantId: 'r-1', licenseNumber: '000123' });
      expect(statuses(calls)).toEqual(['received', 'identity_check', 'under_review', 'awaiting_payment', 'registering',
        'producing_license', 'completed']);
      expect(called(calls, 'settlePayment')).toEqual([expect.objectContaining({ outcome: 'paid', externalRef: 'gw-1' })]);
      expect(called(calls, 'enqueuePrintJob')).toEqual([{ caseId: out.caseId, documentId: 'd-1' }]);
      expect(called(calls, 'notifyApplicant').map((n) => n.kind)).toEqual(['received', 'payment_requested', 'completed']);
      // 'local-checks': the checks and the license are local activities, so the happy path takes a
      // workflow task each for the start, the claim, the decision and the payment — and no activity task.
      const events = (await wf.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
      expect(events.filter((e) => e.workflowTaskCompletedEventAttributes).length).toBeLessThanOrEqual(4);
      // 'fused-steps': the decision travels with the payment's activity, the payment with the
      // registration's and the print job with the license's — the same calls in the same order.
      expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(8);
      expect(calls.map((c) => c.name).filter((n) => n !== 'recordStatus' && n !== 'notifyApplicant')).toEqual([
        'verifyIdentity', 'checkHonseki', 'checkEligibility', 'openReviewTask', 'updateReviewTask', 'updateReviewTask', 'createPayment',
        'settlePayment', 'registerRegistrant', 'produceLicense', 'enqueuePrintJob']);
      expect(called(calls, 'updateReviewTask').map((u) => u.status)).toEqual(['claimed', 'decided']);
      await maybeRecordHistory(wf, 'approve-online', 'v8');
    }));

  it('when the reviewer rejects, then the case ends rejected without payment or registration', () =>
    h.run({}, async ({ start, calls }) => {
      const wf = await start();
      await claimAndDecide(wf, 'reject', '合格者名簿に該当なし');
      expect((await wf.result()).status).toBe('rejected');
      expect(called(calls, 'createPayment')).toHaveLength(0);
      expect(called(calls, 'registerRegistrant')).toHaveLength(0);
      expect(called(calls, 'notifyApplicant').at(-1)).toMatchObject({ kind: 'rejected', reason: '合格者名簿に該当なし' });
      await maybeRecordHistory(wf, 'reject');
    }));

  it('when the reviewer returns the case and the applicant resubmits, then it is reviewed again and completes', () =>
    h.run({}, async ({ start, calls }) => {
      const wf = await start({ paymentMethod: 'revenue_stamp', channel: 'paper' });
      await claimAndDecide(wf, 'return', '写真が不鮮明です');
      await waitForStatus(wf, 'returned_for_correction');
      await wf.executeUpdate('resubmit', { args: [{ actor: 'portal', note: '写真を差し替え' }] });
      await claimAndDecide(wf, 'approve');
      await waitForStatus(wf, 'awaiting_payment');
      await expect(wf.executeUpdate('confirmRevenueStamp', { args: [{ actor: 'clerk1', amount: 1000 }] }))
        .rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await wf.executeUpdate('confirmRevenueStamp', { args: [{ actor: 'clerk1', amount: 2300 }] });
      expect((await wf.result()).status).toBe('completed');
      expect(statuses(calls)).toEqual(['received', 'identity_check', 'under_review', 'returned_for_correction',
        'resubmitted', 'identity_check', 'under_review', 'awaiting_payment', 'registering', 'producing_license', 'completed']);
      expect(called(calls, 'openReviewTask').map((t) => t.kind)).toEqual(['review', 're_review']);
      await maybeRecordHistory(wf, 'return-resubmit-stamp', 'v8');
    }));

  it('when someone who has not claimed the task decides, then the update is refused before it reaches history', () =>
    h.run({}, async ({ start }) => {
      const wf = await start();
      const s = await waitForStatus(wf, 'under_review');
      const taskId = s.reviewTask!.taskId;
      await expect(wf.executeUpdate('decideReview', { args: [{ taskId, actor: 'intruder', decision: 'approve', reason: '' }] }))
        .rejects.toThrow(WorkflowUpdateFailedError);
      await wf.executeUpdate('claimReview', { args: [{ taskId, actor: reviewer }] });
      await expect(wf.executeUpdate('claimReview', { args: [{ taskId, actor: 'reviewer2' }] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/someone else/) } });
      const events = (await wf.fetchHistory()).events ?? [];
      const accepted = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(accepted).toHaveLength(1); // only the legitimate claim
      await wf.terminate('test done');
    }));

  it('when the applicant withdraws during review, then the task is cancelled and nothing is owed', () =>
    h.run({}, async ({ start, calls }) => {
      const wf = await start();
      await waitForStatus(wf, 'under_review');
      await wf.executeUpdate('withdraw', { args: [{ actor: 'portal', reason: '申請取下げ' }] });
      expect((await wf.result()).status).toBe('withdrawn');
      expect(called(calls, 'updateReviewTask').map((u) => u.status)).toEqual(['cancelled']);
      expect(called(calls, 'createPayment')).toHaveLength(0);
      await maybeRecordHistory(wf, 'withdraw-review');
    }));

  it('when the applicant withdraws while payment is pending, then the checkout is cancelled', () =>
    h.run({}, async ({ start, calls }) => {
      const wf = await start();
      await claimAndDecide(wf, 'approve');
      await waitForStatus(wf, 'awaiting_payment');
      await wf.executeUpdate('withdraw', { args: [{ actor: 'portal', reason: '取下げ' }] });
      expect((await wf.result()).status).toBe('withdrawn');
      expect(called(calls, 'settlePayment')).toEqual([expect.objectContaining({ outcome: 'cancelled' })]);
      await maybeRecordHistory(wf, 'withdraw-unpaid');
    }));

  it('when the fee has been paid, then a withdrawal is refused: the application is accepted (受理)', () =>
    h.run({ produceDelayMs: 5000 }, async ({ start }) => {
      // The license is a local activity: the short task timeout has the worker heartbeat the task
      // while it is produced, so the query and the withdrawal are answered meanwhile.
      const wf = await start({ paymentMethod: 'revenue_stamp' }, { workflowTaskTimeout: '2 seconds' });
      await claimAndDecide(wf, 'approve');
      await waitForStatus(wf, 'awaiting_payment');
      await wf.executeUpdate('confirmRevenueStamp', { args: [{ actor: 'clerk1', amount: 2300 }] });
      await waitForStatus(wf, 'producing_license');
      await expect(wf.executeUpdate('withdraw', { args: [{ actor: 'portal', reason: 'late' }] }))
        .rejects.toMatchObject({ cause: { type: 'CONFLICT' } });
      expect((await wf.result()).status).toBe('completed');
      await maybeRecordHistory(wf, 'withdraw-refused-after-payment');
    }));

  // A worker that dies after createPayment ran but before its workflow task completed: the applicant
  // already sees the checkout and pays, so the confirmation reaches the workflow before the retried
  // task (on another worker) has created the payment again — with the same ID, UUIDs being replayed.
  it('when the worker dies after creating the payment and the applicant pays meanwhile, then the payment counts', async () => {
    // node itself, not npx: SIGKILL must reach the worker, not a wrapper
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/workflows/crash-worker.ts', h.taskQueue],
      { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const nextLine = async () => String((await lines.next()).value ?? '');
      expect(await nextLine()).toBe('ready')
      const wf = await h.startCase({ settings: { ...settings, paymentExpiry: '10 seconds' } }, { workflowTaskTimeout: '2 seconds' });
      const s = await waitForStatus(wf, 'under_review');
      const taskId = s.reviewTask!.taskId;
      await wf.executeUpdate('claimReview', { args: [{ taskId, actor: reviewer }] });
      const decided = wf.executeUpdate('decideReview', { args: [{ taskId, actor: reviewer, decision: 'approve', reason: '' }] });
      const paymentId = (await nextLine()).replace(/^payment /, '')
      child.kill('SIGKILL');
      await wf.signal('paymentConfirmed', { paymentId, amount: 2300, externalRef: 'gw-crash' });
      await h.run({}, async ({ calls }) => {
        await decided
        const out = await wf.result();
        expect(out.status).toBe('completed');
        expect(called(calls, 'createPayment')).toEqual([expect.objectContaining({ paymentId })]);
        expect(called(calls, 'settlePayment')).toEqual([expect.objectContaining({ paymentId, outcome: 'paid', externalRef: 'gw-crash' })]);
        await maybeRecordHistory(wf, 'early-payment', 'v8');
      });
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('when the fee is not paid in time, then the case fails as expired', () =>
    h.run({}, async ({ start, calls }) => {
      const wf = await start({ settings: { reviewDueBusinessDays: 10, paymentExpiry: '2 seconds', correctionExpiry: '1 hour', fee: 2300 } });
      await claimAndDecide(wf, 'approve');
      const out = await wf.result();
      expect(out.status).toBe('failed');
      expect(called(calls, 'settlePayment')).toEqual([expect.objectContaining({ outcome: 'expired' })]);
      expect(called(calls, 'recordStatus').at(-1)).toMatchObject({ status: 'failed', note: 'payment_expired' });
      await maybeRecordHistory(wf, 'payment-expired');
    }));

  it('when the fee is paid and the case withdrawn in the same instant, then the withdrawal wins and the fee is refunded', () => {
    const gate = new Gate();
    return h.run({ gates: { 'notifyApplicant:payment_requested': gate } }, async ({ start, calls }) => {
      const wf = await start();
      await claimAndDecide(wf, 'approve');
      // While the workflow task waits on the payment-request notice, both arrive; they are delivered together.
      await gate.reached;
      const { paymentId } = called(calls, 'createPayment')[0] as { paymentId: string };
      await wf.signal('paymentConfirmed', { paymentId, amount: 2300, externalRef: 'gw-9' });
      const withdrawn = wf.executeUpdate('withdraw', { args: [{ actor: 'portal', reason: '都合により' }] });
      await new Promise((r) => setTimeout(r, 500));
      gate.release();
      await withdrawn;
      const out = await wf.result();
      expect(out.status).toBe('withdrawn');
      expect(called(calls, 'settlePayment').map((c) => c.outcome)).toEqual(['paid', 'refunded']);
      expect(called(calls, 'registerRegistrant')).toHaveLength(0);
      await maybeRecordHistory(wf, 'paid-and-withdrawn', 'v8');
    });
  });

  // A message that arrives while a local activity runs is delivered when the workflow task heartbeats
  // (at 80 % of its timeout, 1.6 s here): the gates below hold the activity through a few heartbeats,
  // so the handler runs, and what it starts is sent, while the activity is still in flight.
  it('when a reviewer claims the task while it is being stored, then the claim is recorded after it and counts', () => {
    const gate = new Gate();
    return h.run({ gates: { openReviewTask: gate } }, async ({ start, calls }) => {
      const wf = await start({}, { workflowTaskTimeout: '2 seconds' });
      await gate.reached;
      const s = await waitForStatus(wf, 'under_review');
      const claimed = wf.executeUpdate('claimReview', { args: [{ taskId: s.reviewTask!.taskId, actor: reviewer }] });
      await new Promise((r) => setTimeout(r, 6_000));
      expect(called(calls, 'updateReviewTask')).toHaveLength(0);
      gate.release();
      await expect(claimed).resolves.toMatchObject({ status: 'claimed', assignee: reviewer });
      expect(calls.map((c) => c.name).filter((n) => n === 'openReviewTask' || n === 'updateReviewTask')).toEqual(['openReviewTask', 'updateReviewTask']);
      await wf.executeUpdate('decideReview', { args: [{ taskId: s.reviewTask!.taskId, actor: reviewer, decision: 'approve' }] });
      const pay = await waitForStatus(wf, 'awaiting_payment');
      await wf.signal('paymentConfirmed', { paymentId: pay.payment!.paymentId, amount: 2300, externalRef: 'gw-2' });
      expect((await wf.result()).status).toBe('completed');
    });
  }, 60_000);

  it('when the case is withdrawn while its revenue stamps are being recorded, then it ends withdrawn and the stamps are refunded', () => {
    const gate = new Gate();
    return h.run({ gates: { 'settlePayment:paid': gate } }, async ({ start, calls }) => {
      const wf = await start({ paymentMethod: 'revenue_stamp', channel: 'paper' }, { workflowTaskTimeout: '2 seconds' });
      await claimAndDecide(wf, 'approve');
      await waitForStatus(wf, 'awaiting_payment');
      const stamps = wf.executeUpdate('confirmRevenueStamp', { args: [{ actor: 'clerk1', amount: 2300 }] });
      await gate.reached;
      const withdrawn = wf.executeUpdate('withdraw', { args: [{ actor: 'portal', reason: '都合により' }] });
      await new Promise((r) => setTimeout(r, 6_000));
      gate.release();
      await Promise.all([stamps, withdrawn]);
      const out = await wf.result();
      expect(out.status).toBe('withdrawn');
      // Refunded once the stamps were recorded (a refund of a payment not yet paid would do nothing).
      // (The workflow waits for the stamps' activity before going on; that the order of the two is
      // then the same on replay is what case-return-resubmit-stamp-v6 checks.)
      expect(called(calls, 'settlePayment')).toEqual([expect.objectContaining({ outcome: 'paid' }),
        expect.objectContaining({ outcome: 'refunded', found: 'paid' })]);
      expect(called(calls, 'registerRegistrant')).toHaveLength(0);
    });
  }, 60_000);

  it('when the payment arrives while the expiry is being recorded, then the payment counts and the case completes', () => {
    const gate = new Gate();
    return h.run({ gates: { 'settlePayment:expired': gate } }, async ({ start, calls }) => {
      const wf = await start({ settings: { reviewDueBusinessDays: 10, paymentExpiry: '2 seconds', correctionExpiry: '1 hour', fee: 2300 } });
      await claimAndDecide(wf, 'approve');
      await gate.reached;
      const { paymentId } = called(calls, 'createPayment')[0] as { paymentId: string };
      await wf.signal('paymentConfirmed', { paymentId, amount: 2300, externalRef: 'gw-late' });
      await new Promise((r) => setTimeout(r, 500));
      gate.release();
      const out = await wf.result();
      // The signal is handled before the expiry in the retried workflow task: the applicant paid in time.
      expect(out.status).toBe('completed');
      expect(called(calls, 'settlePayment').map((c) => c.outcome)).toEqual(['expired', 'paid']);
    });
  });

  it('when 住基ネット disagrees with the application, then the reviewer sees the discrepancy and decides', () =>
    h.run({ identity: { outcome: 'mismatch', discrepancies: ['address'] } }, async ({ start, calls }) => {
      const wf = await start();
      await claimAndDecide(wf, 'reject', '住所が一致しません');
      expect((await wf.result()).status).toBe('rejected');
      expect(called(calls, 'openReviewTask')[0].findings).toMatchObject({ identity: { outcome: 'mismatch', discrepancies: ['address'] } });
      await maybeRecordHistory(wf, 'identity-mismatch');
    }));

  it('when 住基ネット and the 中間サーバー are unavailable at first, then the checks are retried and the case goes on to review', () =>
    h.run({ remoteFails: { verifyIdentity: 1, checkHonseki: 1 } }, async ({ start, calls }) => {
      const wf = await start();
      await claimAndDecide(wf, 'reject', 'test');
      expect((await wf.result()).status).toBe('rejected');
      expect(called(calls, 'verifyIdentity')).toHaveLength(2);
      expect(called(calls, 'checkHonseki')).toHaveLength(2);
      expect(called(calls, 'openReviewTask')[0].findings).toMatchObject({ identity: { outcome: 'match' }, honseki: { outcome: 'match' } });
    }), 60_000);

  it('when the 本籍 cannot be determined, then the case is returned asking for a certificate', () =>
    h.run({ honseki: [{ outcome: 'undeterminable' }, { outcome: 'documents' }] }, async ({ start, calls }) => {
      const wf = await start();
      await waitForStatus(wf, 'returned_for_correction');
      await wf.executeUpdate('resubmit', { args: [{ actor: 'portal', note: '戸籍個人事項証明書を添付' }] });
      await claimAndDecide(wf, 'reject', 'test');
      expect((await wf.result()).status).toBe('rejected');
      expect(called(calls, 'openReviewTask')).toHaveLength(1);
      expect(called(calls, 'notifyApplicant')).toContainEqual({ caseId: expect.any(String), kind: 'returned_for_correction', reason: 'honseki_undeterminable' });
      await maybeRecordHistory(wf, 'honseki-undeterminable', 'v8');
    }));

  it('when the review task passes its due date, then it is escalated and still decidable', () =>
    h.run({ reviewDueInMs: 500 }, async ({ start, calls }) => {
      const wf = await start();
      await waitForStatus(wf, 'under_review');
      for (let i = 0; i < 100 && !called(calls, 'updateReviewTask').some((u) => u.status === 'escalated'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(called(calls, 'updateReviewTask').map((u) => u.status)).toEqual(['escalated']);
      await claimAndDecide(wf, 'reject', 'test');
      expect((await wf.result()).status).toBe('rejected');
    }));

  describe('when the registration step fails', () => {
    const payOnline = async (wf: Awaited<ReturnType<Parameters<Parameters<typeof h.run>[1]>[0]['start']>>) => {
      await claimAndDecide(wf, 'approve');
      const s = await waitForStatus(wf, 'awaiting_payment');
      await wf.signal('paymentConfirmed', { paymentId: s.payment!.paymentId, amount: 2300, externalRef: 'gw-r' });
      return s.payment!.paymentId;
    };

    it('when the registrant file refuses the case (the entry was erased after intake), then it ends rejected, the fee is refunded, the applicant told and the refusal audited', () =>
      h.run({ registerFails: { type: 'REGISTRANT_ERASED', nonRetryable: true } }, async ({ start, calls }) => {
        const wf = await start({ type: 'reissue' });
        const paymentId = await payOnline(wf);
        const out = await wf.result();
        expect(out).toMatchObject({ status: 'rejected', registrantId: null, licenseNumber: null });
        expect(statuses(calls)).toEqual(['received', 'identity_check', 'under_review', 'awaiting_payment', 'registering', 'rejected']);
        expect(called(calls, 'recordStatus').at(-1)).toMatchObject({ status: 'rejected', note: 'registrant_erased',
          audit: { action: 'case.registration_refused' } });
        // Audited only with the refusal: no other transition asks for it.
        expect(called(calls, 'recordStatus').filter((c) => c.audit)).toHaveLength(1);
        expect(called(calls, 'settlePayment')).toEqual([
          expect.objectContaining({ paymentId, outcome: 'paid' }),
          expect.objectContaining({ paymentId, outcome: 'refunded', reason: 'registration_refused' })]);
        expect(called(calls, 'registerRegistrant')).toHaveLength(1); // a refusal is not retried
        expect(called(calls, 'produceLicense')).toHaveLength(0);
        expect(called(calls, 'notifyApplicant').map((n) => [n.kind, n.reason])).toEqual([['received', undefined],
          ['payment_requested', undefined], ['registration_refused', 'registrant_erased']]);
        expect((await wf.query(caseStateQuery)).payment).toMatchObject({ paymentId, status: 'refunded' });
        await maybeRecordHistory(wf, 'registration-refused', 'v8');
      }));

    it('when a case without a fee is refused, then it ends rejected with nothing to refund', () =>
      h.run({ registerFails: { type: 'ALREADY_REGISTERED', nonRetryable: true } }, async ({ start, calls }) => {
        const wf = await start({ settings: { reviewDueBusinessDays: 10, paymentExpiry: '1 hour', correctionExpiry: '1 hour', fee: 0 } });
        await claimAndDecide(wf, 'approve');
        expect((await wf.result()).status).toBe('rejected');
        expect(called(calls, 'recordStatus').at(-1)).toMatchObject({ status: 'rejected', note: 'already_registered' });
        expect(called(calls, 'createPayment')).toHaveLength(0);
        expect(called(calls, 'settlePayment')).toHaveLength(0);
        expect(called(calls, 'notifyApplicant').at(-1)).toMatchObject({ kind: 'registration_refused', reason: 'already_registered' });
      }));

    it('when the failure is an outage, then the step is retried and the case completes', () =>
      h.run({ registerFails: { type: 'DATABASE_UNAVAILABLE', nonRetryable: false, times: 2 } }, async ({ start, calls }) => {
        const wf = await start();
        await payOnline(wf);
        expect((await wf.result()).status).toBe('completed');
        expect(called(calls, 'registerRegistrant')).toHaveLength(3);
        // 'fused-steps': the payment travels with the registration's activity, so each attempt
        // settles it again — the same payment, recorded once (settlePayment is idempotent:
        // tests/integration/case-activities.test.ts); the workflow asked for nothing else.
        const settled = called(calls, 'settlePayment');
        expect(settled).toHaveLength(3);
        expect(new Set(settled.map((c) => `${String(c.paymentId)}:${String(c.outcome)}`)).size).toBe(1);
        expect(settled[0]).toMatchObject({ outcome: 'paid', externalRef: 'gw-r' });
      }));

    it('when a non-retryable failure is not a refusal of the registrant file, then the workflow fails for an operator and nothing is refunded', () =>
      h.run({ registerFails: { type: 'REGISTRANT_NOT_FOUND', nonRetryable: true } }, async ({ start, calls }) => {
        const wf = await start({ type: 'change' });
        await payOnline(wf);
        await expect(wf.result()).rejects.toBeInstanceOf(WorkflowFailedError);
        expect(statuses(calls).at(-1)).toBe('registering');
        expect(called(calls, 'settlePayment').map((c) => c.outcome)).toEqual(['paid']);
        expect(called(calls, 'notifyApplicant').map((n) => n.kind)).not.toContain('registration_refused');
      }));
  });
});
