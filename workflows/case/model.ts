/**
 * The vocabulary of a case, shared by the API, the activities and the workflow (pure types and
 * constants: safe inside the workflow sandbox).
 */
import type { Duration } from '@temporalio/common';

export const CASE_TYPES = ['registration', 'change', 'rewrite', 'reissue', 'deletion', 'return'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

/** Channels an application arrives through (the API accepts these). */
export const CHANNELS = ['mynaportal', 'egov', 'paper'] as const;
/** `system`: filed by the system itself (reconciliation findings, dispositions). */
export type Channel = (typeof CHANNELS)[number] | 'system';

export const PAYMENT_METHODS = ['online', 'revenue_stamp'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const CASE_STATUSES = [
  'received', 'identity_check', 'under_review', 'returned_for_correction', 'resubmitted', 'awaiting_payment',
  'registering', 'producing_license', 'completed', 'rejected', 'withdrawn', 'failed',
  /** Dispositions only: a return order waits for its hearing (聴聞). */
  'hearing',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const TERMINAL_STATUSES: readonly CaseStatus[] = ['completed', 'rejected', 'withdrawn', 'failed'];
/** From here on the application is accepted (受理): a withdrawal is no longer possible. */
export const ACCEPTED_STATUSES: readonly CaseStatus[] = ['registering', 'producing_license', 'completed'];

export type ReviewDecision = 'approve' | 'reject' | 'return';

/**
 * The business refusals of the registration step (受理 and 登録): non-retryable failures of
 * registerRegistrant that the registrant file's state decides — a race the intake checks could not
 * see (the entry erased, the person registered or recorded as deceased meanwhile). Such a case
 * ends `rejected` with the note given here, a paid fee is refunded and the applicant told.
 * Any other failure (an outage, a missing case or entry, a bug) is not a refusal: it is retried,
 * or fails the workflow for an operator, as before.
 */
export const REGISTRATION_REFUSALS: Readonly<Record<string, string>> = {
  ALREADY_REGISTERED: 'already_registered',
  DECEASED: 'deceased',
  REGISTRANT_ERASED: 'registrant_erased',
  REGISTRANT_REVOKED: 'registrant_revoked',
  EDITION_NOT_SUPERSEDED: 'edition_not_superseded',
};

/** Case types whose completion issues a (new) license PDF; the others change the file only. */
export const LICENSE_PRODUCING_TYPES: readonly CaseType[] = ['registration', 'rewrite', 'reissue'];

/** Durations are Temporal duration strings ('3 days', '2 seconds'), set per deployment. */
export interface CaseSettings {
  /** Review deadline in administrative business days (counted by an activity). */
  reviewDueBusinessDays: number;
  /** How long an approved case may stay unpaid before it expires. */
  paymentExpiry: Duration;
  /** How long a case returned for correction (補正) waits for the applicant. */
  correctionExpiry: Duration;
  /** The fee for this case type, in yen. */
  fee: number;
}

export interface CaseWorkflowInput {
  caseId: string;
  type: CaseType;
  channel: Channel;
  paymentMethod: PaymentMethod;
  settings: CaseSettings;
}

export interface ReviewTaskState {
  taskId: string;
  kind: string;
  status: 'open' | 'claimed' | 'decided' | 'escalated';
  assignee: string | null;
  dueAt: string;
  escalated: boolean;
}

export interface PaymentState {
  paymentId: string;
  method: PaymentMethod;
  amount: number;
  status: 'pending' | 'paid' | 'cancelled' | 'refunded' | 'expired';
  checkoutUrl: string | null;
  externalRef?: string;
}

export interface CaseState {
  caseId: string;
  status: CaseStatus;
  history: { status: CaseStatus; at: string; note?: string }[];
  reviewTask: ReviewTaskState | null;
  payment: PaymentState | null;
  registrantId: string | null;
  licenseNumber: string | null;
  documentId: string | null;
}

export interface CaseOutcome {
  caseId: string;
  status: CaseStatus;
  registrantId: string | null;
  licenseNumber: string | null;
}

/** Findings of the automatic checks, shown to the reviewer. Field names only: never values. */
export interface CheckFindings {
  /** `not_found`: 住基ネット has no resident with the given My Number (the reviewer decides). */
  identity: { outcome: 'match' | 'mismatch' | 'documents' | 'deceased' | 'not_found'; discrepancies: string[] };
  honseki: { outcome: 'match' | 'changed' | 'undeterminable' | 'documents' | 'not_applicable' };
  eligibility: { passerFound: boolean; passerMatches: boolean; returnOrderWithinYear: boolean; notes: string[] };
}
