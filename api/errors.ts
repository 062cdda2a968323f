/**
 * One error type for the API and one handler (house style). The message is for the user and
 * never carries personal data or a stack trace; internal detail goes to the log only, scrubbed.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../common/logger';

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let appErr: AppError;
    if (err instanceof AppError) appErr = err;
    else if (err?.type === 'entity.parse.failed') appErr = new AppError('INVALID_JSON', 'the request body is not valid JSON');
    else if (err?.type === 'entity.too.large') appErr = new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
    else {
      logger.error({ err: { name: err?.name, message: err?.message }, path: req.path }, 'unhandled error');
      appErr = new AppError('INTERNAL', 'an internal error occurred; it has been logged');
    }
    res.status(appErr.status).json({
      error: { code: appErr.code, message: appErr.message, ...(appErr.details !== undefined ? { details: appErr.details } : {}) },
    });
  };
}
