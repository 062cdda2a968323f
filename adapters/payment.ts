/**
 * Payment gateway adapter (決済, R2). Creation and refunds carry an idempotency key, so they are
 * retried like reads: a repeat answers the first result instead of charging or refunding twice.
 * Derive the key from the case and the step (e.g. `case-<id>:checkout:1`), never from personal data.
 * Webhooks are checked with HMAC-SHA256 over the raw bytes, compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { RemoteRejectedError } from './errors';
import { createRemoteClient, type RemoteClientOptions } from './remote-client';

export interface CheckoutInput {
  caseId: string;
  /** Yen, integer. */
  amount: number;
  /** Payment category (決済区分) used by the income/refund totals, e.g. "registration". */
  category: string;
  callbackUrl: string;
  idempotencyKey: string;
}

export interface RefundInput {
  paymentId: string;
  /** Default: everything not yet refunded. */
  amount?: number;
  reason?: string;
  idempotencyKey: string;
}

export type PaymentStatus = 'pending' | 'paid' | 'partially_refunded' | 'refunded';

export interface PaymentView {
  paymentId: string;
  caseId: string;
  amount: number;
  category: string;
  status: PaymentStatus;
  paidAt: string | null;
  refundedAmount: number;
}

export interface PaymentWebhookEvent {
  eventId: string;
  type: 'payment.succeeded' | 'payment.refunded';
  paymentId: string;
  caseId: string;
  amount: number;
  category: string;
  occurredAt: string;
  refundId?: string;
}

export interface PaymentGatewayAdapter {
  createCheckout(input: CheckoutInput): Promise<{ paymentId: string; checkoutUrl: string }>;
  refund(input: RefundInput): Promise<{ refundId: string; amount: number; status: PaymentStatus }>;
  getPayment(paymentId: string): Promise<PaymentView>;
  verifyWebhookSignature(rawBody: Buffer | string, signature: string | undefined): boolean;
  /** Verifies, then parses; a bad signature or shape is a RemoteRejectedError (answer 4xx, do not act). */
  parseWebhook(rawBody: Buffer | string, signature: string | undefined): PaymentWebhookEvent;
  shutdown(): void;
}

export interface PaymentGatewayAdapterOptions extends Omit<RemoteClientOptions, 'remote'> {
  webhookSecret: string | Buffer;
}

const status = z.enum(['pending', 'paid', 'partially_refunded', 'refunded']);
const checkoutReply = z.object({ paymentId: z.string().min(1), checkoutUrl: z.url() });
const refundReply = z.object({ refundId: z.string().min(1), amount: z.number().int(), status });
const paymentReply = z.object({
  paymentId: z.string(), caseId: z.string(), amount: z.number().int(), category: z.string(), status,
  paidAt: z.string().nullable(), refundedAmount: z.number().int(),
});
const webhookEvent = z.object({
  eventId: z.string().min(1), type: z.enum(['payment.succeeded', 'payment.refunded']), paymentId: z.string(), caseId: z.string(),
  amount: z.number().int(), category: z.string(), occurredAt: z.string(), refundId: z.string().optional(),
});

export function createPaymentGatewayAdapter(opts: PaymentGatewayAdapterOptions): PaymentGatewayAdapter {
  const client = createRemoteClient({ ...opts, remote: 'payment' });
  const id = (paymentId: string) => encodeURIComponent(paymentId);

  function verifyWebhookSignature(rawBody: Buffer | string, signature: string | undefined): boolean {
    if (!signature || !/^[0-9a-f]{64}$/i.test(signature.trim())) return false;
    const expected = createHmac('sha256', opts.webhookSecret).update(rawBody).digest();
    return timingSafeEqual(expected, Buffer.from(signature.trim(), 'hex'));
  }

  return {
    createCheckout: (input) =>
      client.call({ operation: 'createCheckout', method: 'POST', path: '/v1/checkouts', body: input, idempotent: true, reply: checkoutReply }),
    async refund({ paymentId, ...rest }) {
      return client.call({ operation: 'refund', method: 'POST', path: `/v1/payments/${id(paymentId)}/refunds`, body: rest, idempotent: true, reply: refundReply });
    },
    getPayment: (paymentId) =>
      client.call({ operation: 'getPayment', method: 'GET', path: `/v1/payments/${id(paymentId)}`, idempotent: true, reply: paymentReply }),
    verifyWebhookSignature,
    parseWebhook(rawBody, signature) {
      const reject = () => new RemoteRejectedError({ remote: 'payment', operation: 'parseWebhook', code: 'INVALID_REQUEST' });
      if (!verifyWebhookSignature(rawBody, signature)) throw reject();
      try {
        return webhookEvent.parse(JSON.parse(Buffer.isBuffer(rawBody) ? rawBody.toString('utf8') : rawBody));
      } catch {
        throw reject();
      }
    },
    shutdown: client.shutdown,
  };
}
