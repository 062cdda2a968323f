/**
 * Temporal's answers to an update or a signal, as API errors. A validator's refusal arrives as a
 * WorkflowUpdateFailedError whose cause is the ApplicationFailure thrown in the workflow, with
 * our code word as its type (CONFLICT, VALIDATION_FAILED); a closed case has no running workflow.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError, ERROR_STATUS, type ErrorCode } from './errors';

export function asApiError(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type ?? '';
    const code: ErrorCode = type in ERROR_STATUS ? (type as ErrorCode) : 'CONFLICT';
    return new AppError(code, err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) {
    return new AppError('CONFLICT', 'the case is closed: nothing more can be done on it');
  }
  return err;
}

/** Runs a workflow call and maps its refusals. */
export async function viaWorkflow<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asApiError(err);
  }
}
