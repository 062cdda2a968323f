/**
 * Payment gateway simulator (決済代行). Never sees a My Number (R2). A checkout is created by our
 * system, paid by a POST to its checkoutUrl (as the applicant's browser would), and reported back
 * through a signed webhook (HMAC-SHA256 of the raw body, hex, in X-Signature) that is retried
 * with exponential backoff until the receiver answers 2xx. Creation and refunds are idempotent
 * on their idempotencyKey: the same key and body answer the same result; another body is 409.
 */
import { randomUUID } from 'node:crypto';
import type { Express, Request } from 'express';
import { z } from 'zod';
import { createLogger, type Logger } from '../../common/logger';
import { createFaults } from '../common/faults';
import { baseApp, finish, parseBody, SimError } from '../common/http';
import { createWebhookSender, type Delivery, type WebhookOptions } from './webhook';

export interface PaymentSimulatorOptions {
  webhookSecret: string | Buffer;
  /** Base of checkoutUrl; default: the Host the request came to. */
  publicBaseUrl?: string;
  webhook?: WebhookOptions;
  logger?: Logger;
  now?: () => Date;
  faultSeed?: number;
}

export type PaymentSimulator = Express & { stop(): void; deliveries: Delivery[] };

interface Payment {
  paymentId: string;
  caseId: string;
  amount: number;
  category: string;
  callbackUrl: string;
  status: 'pending' | 'paid' | 'partially_refunded' | 'refunded';
  paidAt: string | null;
  refundedAmount: number;
}

const key = z.string().min(8).max(200);
const checkoutInput = z.object({
  caseId: z.string().min(1).max(100),
  amount: z.number().int().positive().max(10_000_000), // yen
  category: z.string().min(1).max(50),
  callbackUrl: z.url({ protocol: /^https?$/ }),
  idempotencyKey: key,
});
const refundInput = z.object({ amount: z.number().int().positive().optional(), reason: z.string().max(200).optional(), idempotencyKey: key });

export function createPaymentSimulator(opts: PaymentSimulatorOptions): PaymentSimulator {
  const logger = opts.logger ?? createLogger('payment-sim');
  const now = opts.now ?? (() => new Date());
  const payments = new Map<string, Payment>();
  /** idempotencyKey → the request it first came with and what was answered. */
  const seen = new Map<string, { body: string; result: Record<string, unknown> }>();
  const sender = createWebhookSender(opts.webhookSecret, opts.webhook ?? {}, logger);
  const faults = createFaults({ logger, now, seed: opts.faultSeed });

  function once(scope: string, idemKey: string, body: unknown, run: () => Record<string, unknown>) {
    const k = `${scope}\u0000${idemKey}`;
    const fingerprint = JSON.stringify(body);
    const prior = seen.get(k);
    if (prior && prior.body !== fingerprint) throw new SimError(409, 'IDEMPOTENCY_CONFLICT', 'this idempotencyKey was used with another request');
    if (prior) return { replay: true, result: prior.result };
    const result = run();
    seen.set(k, { body: fingerprint, result });
    return { replay: false, result };
  }

  function payment(id: string | string[] | undefined): Payment {
    const p = payments.get(String(id));
    if (!p) throw new SimError(404, 'NOT_FOUND', 'no such payment');
    return p;
  }
  const baseUrl = (req: Request) => opts.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;
  const view = (p: Payment) => {
    const { callbackUrl: _omit, ...rest } = p;
    return rest;
  };

  const app = baseApp(logger);
  app.use(faults.admin);
  app.get('/admin/webhooks', (_req, res) => {
    res.json({ deliveries: sender.deliveries });
  });
  app.use(faults.middleware);

  app.post('/v1/checkouts', (req, res) => {
    const input = parseBody(checkoutInput, req.body);
    const { replay, result } = once('checkout', input.idempotencyKey, input, () => {
      const p: Payment = { ...input, paymentId: `pay_${randomUUID()}`, status: 'pending', paidAt: null, refundedAmount: 0 };
      payments.set(p.paymentId, p);
      logger.info({ paymentId: p.paymentId, amount: p.amount, category: p.category }, 'checkout created');
      return { paymentId: p.paymentId, checkoutUrl: `${baseUrl(req)}/checkout/${p.paymentId}`, status: 'pending', amount: p.amount };
    });
    res.status(replay ? 200 : 201).json(result);
  });

  app.get('/v1/payments/:paymentId', (req, res) => {
    res.json(view(payment(req.params.paymentId)));
  });

  // The checkout page's "pay" button. Paying twice is answered, not charged twice.
  app.post('/checkout/:paymentId', (req, res) => {
    const p = payment(req.params.paymentId);
    if (p.status === 'pending') {
      p.status = 'paid';
      p.paidAt = now().toISOString();
      sender.send(p.callbackUrl, { type: 'payment.succeeded', paymentId: p.paymentId, caseId: p.caseId, amount: p.amount, category: p.category, occurredAt: p.paidAt });
    } else if (p.status !== 'paid') {
      throw new SimError(409, 'NOT_PAYABLE', `payment is ${p.status}`);
    }
    res.json({ paymentId: p.paymentId, status: p.status, paidAt: p.paidAt });
  });

  app.post('/v1/payments/:paymentId/refunds', (req, res) => {
    const input = parseBody(refundInput, req.body);
    const p = payment(req.params.paymentId);
    const { replay, result } = once(`refund:${p.paymentId}`, input.idempotencyKey, input, () => {
      if (p.status === 'pending' || p.status === 'refunded') throw new SimError(409, 'NOT_REFUNDABLE', `payment is ${p.status}`);
      const amount = input.amount ?? p.amount - p.refundedAmount;
      if (amount > p.amount - p.refundedAmount) throw new SimError(409, 'REFUND_EXCEEDS_PAYMENT', 'refund exceeds the amount not yet refunded');
      p.refundedAmount += amount;
      p.status = p.refundedAmount === p.amount ? 'refunded' : 'partially_refunded';
      const refundId = `ref_${randomUUID()}`;
      const occurredAt = now().toISOString();
      sender.send(p.callbackUrl, { type: 'payment.refunded', paymentId: p.paymentId, caseId: p.caseId, amount, category: p.category, refundId, occurredAt });
      return { refundId, paymentId: p.paymentId, amount, status: p.status, refundedAt: occurredAt };
    });
    res.status(replay ? 200 : 201).json(result);
  });

  finish(app, logger);
  return Object.assign(app, { stop: sender.stop, deliveries: sender.deliveries });
}
