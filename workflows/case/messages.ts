/** Signals, queries and updates of the case workflow, reused by the API (house style). */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CaseState, PaymentState, ReviewDecision } from './model';

export interface ClaimInput { taskId: string; actor: string; /** The claimer's role (dispositions need a supervisor). */ role?: string }
export interface DecisionInput { taskId: string; actor: string; decision: ReviewDecision; reason: string; /** The decider's role (dispositions need a supervisor). */ role?: string }
export interface ResubmitInput { actor: string; note?: string }
export interface WithdrawInput { actor: string; reason: string }
export interface StampInput { actor: string; amount: number }
export interface PaymentConfirmedInput { paymentId: string; amount: number; externalRef: string }

export const caseStateQuery = defineQuery<CaseState>('caseState');
export const claimReviewUpdate = defineUpdate<ReviewTaskStateResult, [ClaimInput]>('claimReview');
export const decideReviewUpdate = defineUpdate<ReviewTaskStateResult, [DecisionInput]>('decideReview');
export const resubmitUpdate = defineUpdate<void, [ResubmitInput]>('resubmit');
export const withdrawUpdate = defineUpdate<void, [WithdrawInput]>('withdraw');
export const revenueStampUpdate = defineUpdate<PaymentState, [StampInput]>('confirmRevenueStamp');
export const paymentConfirmedSignal = defineSignal<[PaymentConfirmedInput]>('paymentConfirmed');

export interface ReviewTaskStateResult { taskId: string; status: string; assignee: string | null }
