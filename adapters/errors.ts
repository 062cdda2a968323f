/**
 * Typed failures of the outside systems. Activities map them to Temporal ApplicationFailures:
 * `retryable` → let the retry policy try again later (nextRetryDelay = retryAfterMs when known);
 * not retryable → `nonRetryable: true`, the case needs a person or a different input.
 *
 * Messages are built only from fixed words, codes, statuses and counts — never from a request or
 * a reply body — so no My Number or personal data can reach a log or a workflow history.
 *
 * Decision on a malformed reply (garbage, truncated JSON, wrong shape): retryable. Such replies
 * come from proxies and half-written responses and pass; every call we retry is idempotent, and
 * the bounded retries (here, then Temporal's maximumAttempts) stop a permanent one.
 */

export type RemoteName = 'juki' | 'chukan' | 'payment';

export const REMOTE_LABELS: Record<RemoteName, string> = {
  juki: '住基ネット (juki)',
  chukan: '中間サーバー (chukan)',
  payment: 'payment gateway',
};

export type UnavailableCode =
  | 'TIMEOUT' // no answer within timeoutMs
  | 'UNAVAILABLE' // 5xx, 429, 408
  | 'NETWORK' // connection refused or reset
  | 'MAINTENANCE' // 保守停止: not retried in-process, wait retryAfterMs
  | 'OUTSIDE_OPERATING_HOURS' // 運用時間外: not retried in-process
  | 'CIRCUIT_OPEN' // our breaker fails fast after repeated failures
  | 'MALFORMED_REPLY'; // see the decision above

export type RejectedCode =
  | 'NOT_PERMITTED' // 照会許可用照合リストにない照会 (403)
  | 'NOT_FOUND' // 404: no such resident / person / payment / batch
  | 'INVALID_REQUEST' // 400/422, or refused before sending (e.g. bad check digit)
  | 'CONFLICT' // 409: idempotency conflict, state does not allow it
  | 'GONE' // 410: results deleted after their retention period
  | 'REJECTED'; // any other 4xx

export interface RemoteErrorInfo<C extends string> {
  remote: RemoteName;
  operation: string;
  code: C;
  status?: number;
  /** The remote's own error code (e.g. INQUIRY_NOT_PERMITTED), when it is a plain code word. */
  remoteCode?: string;
  attempts?: number;
  retryAfterMs?: number;
}

export abstract class RemoteError<C extends string = string> extends Error {
  abstract readonly retryable: boolean;
  readonly remote: RemoteName;
  readonly operation: string;
  readonly code: C;
  readonly status?: number;
  readonly remoteCode?: string;
  readonly attempts: number;
  readonly retryAfterMs?: number;

  constructor(readonly info: RemoteErrorInfo<C>) {
    const remoteCode = info.remoteCode && /^[A-Z0-9_]{1,40}$/.test(info.remoteCode) ? info.remoteCode : undefined;
    const attempts = info.attempts ?? 1;
    super(
      `${REMOTE_LABELS[info.remote]} ${info.operation}: ${info.code}` +
        (info.status ? ` (HTTP ${info.status}${remoteCode ? ` ${remoteCode}` : ''})` : '') +
        (attempts > 1 ? ` after ${attempts} attempts` : ''),
    );
    this.remote = info.remote;
    this.operation = info.operation;
    this.code = info.code;
    this.status = info.status;
    this.remoteCode = remoteCode;
    this.attempts = attempts;
    this.retryAfterMs = info.retryAfterMs;
  }

  /** The same failure, reported with the number of attempts actually made. */
  abstract withAttempts(attempts: number): RemoteError<C>;
}

export class RemoteUnavailableError extends RemoteError<UnavailableCode> {
  override readonly name = 'RemoteUnavailableError';
  readonly retryable = true;
  withAttempts(attempts: number): RemoteUnavailableError {
    return new RemoteUnavailableError({ ...this.info, attempts });
  }
}

export class RemoteRejectedError extends RemoteError<RejectedCode> {
  override readonly name = 'RemoteRejectedError';
  readonly retryable = false;
  withAttempts(attempts: number): RemoteRejectedError {
    return new RemoteRejectedError({ ...this.info, attempts });
  }
}

export function isRemoteError(err: unknown): err is RemoteError {
  return err instanceof RemoteUnavailableError || err instanceof RemoteRejectedError;
}

/**
 * What an activity needs for `ApplicationFailure.create(...)`, without this folder depending on
 * Temporal: type (e.g. "juki.NOT_PERMITTED"), message, nonRetryable and nextRetryDelay (ms).
 */
export function toFailureInfo(err: RemoteError): { type: string; message: string; nonRetryable: boolean; nextRetryDelayMs?: number } {
  return { type: `${err.remote}.${err.code}`, message: err.message, nonRetryable: !err.retryable, nextRetryDelayMs: err.retryAfterMs };
}
