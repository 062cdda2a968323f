/**
 * What the case workflow asks of the outside world: one input object and one result object per
 * activity (house style). Every activity is idempotent: retries and replays are safe.
 */
import type { CaseStatus, CheckFindings, PaymentMethod, ReviewDecision } from '../workflows/case/model';

export interface RecordStatusInput {
  caseId: string;
  status: CaseStatus;
  seq: number;
  note?: string;
  /** Audited with the status change, in its transaction: exactly once (e.g. `case.registration_refused`). */
  audit?: { action: 'case.registration_refused' };
  /** The notice that goes with the change (as notifyApplicant), sent by the same activity (PATCH_FEWER_TASKS). */
  notify?: { kind: string; reason?: string };
}
/** A status change as another activity records it (StatusSteps). */
export type StatusChange = Omit<RecordStatusInput, 'caseId'>;
/**
 * Status changes an activity records before and after its own work, each as recordStatus would
 * (idempotent by its transition key): one local activity where there were two or three
 * (PATCH_FEWER_STEPS). `after` is recorded only once the work has succeeded.
 *
 * Since PATCH_FUSED_STEPS a step may also carry the work of the activity that would have come just
 * before it, done first and exactly as that activity would: `task`, the review decision that led
 * here (updateReviewTask), then `settle`, the online payment confirmed meanwhile (settlePayment).
 */
export interface StatusSteps {
  task?: UpdateReviewTaskInput;
  settle?: SettlePaymentInput;
  before?: StatusChange[];
  after?: StatusChange[];
}
export interface CaseRef { caseId: string }
export interface CaseStepsRef extends CaseRef, StatusSteps {}
export interface OpenReviewTaskInput extends StatusSteps { caseId: string; taskId: string; kind: string; dueBusinessDays: number; findings: CheckFindings }
export interface OpenReviewTaskResult { dueAt: string }
export interface UpdateReviewTaskInput {
  taskId: string;
  status: 'claimed' | 'decided' | 'escalated' | 'cancelled';
  actor?: string;
  decision?: ReviewDecision;
  reason?: string;
}
export interface CreatePaymentInput extends StatusSteps { caseId: string; paymentId: string; method: PaymentMethod; amount: number }
export interface CreatePaymentResult { checkoutUrl: string | null }
export interface SettlePaymentInput {
  caseId: string;
  paymentId: string;
  outcome: 'paid' | 'cancelled' | 'expired' | 'refunded';
  amount?: number;
  externalRef?: string;
  actor?: string;
  /** Why a refund is made, as told to the gateway (default `withdrawal`). */
  reason?: 'withdrawal' | 'registration_refused';
}
export interface RegisterResult { registrantId: string; licenseNumber: string }
export interface ProduceLicenseInput extends StatusSteps {
  caseId: string;
  registrantId: string;
  /** Queue the print job once the license is stored, as enqueuePrintJob would (PATCH_FUSED_STEPS). */
  print?: boolean;
}
export interface ProduceLicenseResult { documentId: string; sha256: string }
export interface NotifyInput { caseId: string; kind: string; reason?: string }

export interface CaseActivities {
  recordStatus(input: RecordStatusInput): Promise<void>;
  verifyIdentity(input: CaseRef): Promise<CheckFindings['identity']>;
  checkHonseki(input: CaseRef): Promise<CheckFindings['honseki']>;
  checkEligibility(input: CaseStepsRef): Promise<CheckFindings['eligibility']>;
  openReviewTask(input: OpenReviewTaskInput): Promise<OpenReviewTaskResult>;
  updateReviewTask(input: UpdateReviewTaskInput): Promise<void>;
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult>;
  settlePayment(input: SettlePaymentInput): Promise<void>;
  registerRegistrant(input: CaseStepsRef): Promise<RegisterResult>;
  produceLicense(input: ProduceLicenseInput): Promise<ProduceLicenseResult>;
  enqueuePrintJob(input: { caseId: string; documentId: string } & StatusSteps): Promise<void>;
  notifyApplicant(input: NotifyInput): Promise<void>;
}
