/**
 * Who is asking and why. Every call on the government networks names the requesting institution
 * (照会機関), the purpose (利用目的 / 事務) and the person operating (操作者), so the remote can
 * record and check it; the adapters put them in headers, percent-encoded UTF-8 because HTTP
 * header values are byte strings and purposes may be Japanese.
 */
import { randomUUID } from 'node:crypto';
import { RemoteRejectedError, type RemoteName } from './errors';

export interface InquiryContext {
  purpose: string;
  actor: string;
  /** Defaults to the adapter's configured institution code. */
  requester?: string;
  /** Cancellation from the caller (e.g. a Temporal activity's cancellation signal). */
  signal?: AbortSignal;
}

/** Our institution on the networks: MLIT, water-supply business (国土交通省 水道事業課). Our own code. */
export const DEFAULT_REQUESTER = 'MLIT-KYUSUI';

export function requesterHeaders(
  remote: RemoteName,
  operation: string,
  ctx: InquiryContext,
  defaultRequester: string,
  requestId: string = randomUUID(),
): Record<string, string> {
  const requester = ctx.requester ?? defaultRequester;
  if (!requester || !ctx.purpose || !ctx.actor) {
    throw new RemoteRejectedError({ remote, operation, code: 'INVALID_REQUEST' });
  }
  return {
    'x-requester': encodeURIComponent(requester),
    'x-purpose': encodeURIComponent(ctx.purpose),
    'x-actor': encodeURIComponent(ctx.actor),
    'x-request-id': requestId,
  };
}
