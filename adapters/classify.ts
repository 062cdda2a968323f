/**
 * HTTP failure → typed error. Only the remote's error *code* is read from the body (a plain code
 * word); its message is ignored because it is free text we do not control.
 */
import { RemoteRejectedError, RemoteUnavailableError, type RemoteError, type RemoteName, type UnavailableCode } from './errors';

/** Retryable later, but pointless to retry within one call: these last minutes to hours. */
export const NO_RETRY_HERE: ReadonlySet<string> = new Set<UnavailableCode>(['MAINTENANCE', 'OUTSIDE_OPERATING_HOURS', 'CIRCUIT_OPEN']);

function remoteCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date → milliseconds. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function classifyHttpFailure(
  info: { remote: RemoteName; operation: string },
  status: number,
  text: string,
  retryAfter: string | null,
): RemoteError {
  const remoteCode = remoteCodeOf(text);
  const base = { ...info, status, remoteCode, retryAfterMs: retryAfterMs(retryAfter) };
  if (status >= 500 || status === 429 || status === 408) {
    const code: UnavailableCode =
      remoteCode === 'MAINTENANCE' ? 'MAINTENANCE' : remoteCode === 'OUTSIDE_OPERATING_HOURS' ? 'OUTSIDE_OPERATING_HOURS' : 'UNAVAILABLE';
    return new RemoteUnavailableError({ ...base, code });
  }
  switch (status) {
    case 403:
      return new RemoteRejectedError({ ...base, code: 'NOT_PERMITTED' });
    case 404:
      return new RemoteRejectedError({ ...base, code: 'NOT_FOUND' });
    case 409:
      return new RemoteRejectedError({ ...base, code: 'CONFLICT' });
    case 410:
      return new RemoteRejectedError({ ...base, code: 'GONE' });
    case 400:
    case 413:
    case 422:
      return new RemoteRejectedError({ ...base, code: 'INVALID_REQUEST' });
    default:
      // 1xx/3xx are not expected from these remotes either; treat them as refusals to look at.
      return new RemoteRejectedError({ ...base, code: 'REJECTED' });
  }
}
