/** Dispositions (処分): pure types, safe in the workflow sandbox. */
export const DISPOSITION_KINDS = ['warning', 'suspension', 'return_order'] as const;
export type DispositionKind = (typeof DISPOSITION_KINDS)[number];

export interface DispositionWorkflowInput {
  caseId: string;
  dispositionId: string;
  registrantId: string;
  kind: DispositionKind;
  /** The reviewer who proposed it: may not decide it too (two people). */
  proposedBy: string;
  /** Suspension: when the entry is restored (ISO instant; the end of the last day in Japan by default). */
  liftAt?: string;
  reviewDueBusinessDays: number;
}

export interface DispositionApplyInput { caseId: string; decidedBy: string }
export interface LiftInput { caseId: string }

export interface DispositionActivities {
  applyDisposition(input: DispositionApplyInput): Promise<void>;
  liftSuspension(input: LiftInput): Promise<{ lifted: boolean }>;
  recordHearing(input: { caseId: string; actor: string; summary: string }): Promise<void>;
  rejectDisposition(input: { caseId: string; decidedBy: string; reason: string }): Promise<void>;
}
