/** Contract of the payment gateway adapter: idempotent checkout/refund, signed webhooks with retries. */
import express from 'express';
import { createPaymentGatewayAdapter, RemoteRejectedError, type PaymentGatewayAdapter } from '../../adapters';
import type { RunningServer } from '../../simulators/common/http';
import { createPaymentSimulator, type PaymentSimulator } from '../../simulators/payment/app';
import { failure, fastRetry, memoryLogger, start } from './helpers';

const SECRET = 'test-webhook-secret';
interface Received { raw: Buffer; signature: string | undefined }
const received: Received[] = [];
let failNextWebhooks = 0;
let sim: PaymentSimulator;
let server: RunningServer;
let receiver: RunningServer;
let payment: PaymentGatewayAdapter;

beforeAll(async () => {
  const { logger } = memoryLogger();
  // Stands in for our API's POST /api/v1/payments/webhook: keeps the raw bytes for verification.
  const hook = express();
  hook.post('/webhook', express.raw({ type: 'application/json' }), (req, res) => {
    if (failNextWebhooks > 0) {
      failNextWebhooks--;
      res.status(500).end();
      return;
    }
    received.push({ raw: req.body as Buffer, signature: req.get('x-signature') });
    res.status(204).end();
  });
  receiver = await start(hook);
  sim = createPaymentSimulator({ webhookSecret: SECRET, webhook: { baseDelayMs: 20, maxAttempts: 5 }, logger });
  server = await start(sim);
  payment = createPaymentGatewayAdapter({ baseUrl: server.url, webhookSecret: SECRET, ...fastRetry, logger });
});
afterAll(async () => {
  sim.stop();
  payment.shutdown();
  await server.close();
  await receiver.close();
});

const waitFor = async (check: () => boolean, ms = 3000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const checkout = (caseId: string, key: string, amount = 2300) =>
  payment.createCheckout({ caseId, amount, category: 'registration', callbackUrl: `${receiver.url}/webhook`, idempotencyKey: key });

describe('checkout and webhook', () => {
  it('when created twice with the same key, then the same payment; another body with it, then CONFLICT', async () => {
    const a = await checkout('case-1', 'case-1:checkout:1');
    expect(await checkout('case-1', 'case-1:checkout:1')).toEqual(a);
    expect(await failure(checkout('case-1', 'case-1:checkout:1', 9999))).toMatchObject({ code: 'CONFLICT', retryable: false });
  });

  it('when the applicant pays, then a signed webhook arrives that verifies; tampering does not', async () => {
    const { paymentId, checkoutUrl } = await checkout('case-2', 'case-2:checkout:1');
    const before = received.length;
    const paid = await fetch(checkoutUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(paid.status).toBe(200);
    await waitFor(() => received.length > before);
    const { raw, signature } = received[received.length - 1] as Received;
    expect(payment.verifyWebhookSignature(raw, signature)).toBe(true);
    expect(payment.parseWebhook(raw, signature)).toMatchObject({ type: 'payment.succeeded', paymentId, caseId: 'case-2', amount: 2300 });
    const tampered = Buffer.from(raw.toString('utf8').replace('2300', '23'));
    expect(payment.verifyWebhookSignature(tampered, signature)).toBe(false);
    expect(payment.verifyWebhookSignature(raw, 'ab'.repeat(32))).toBe(false);
    expect(payment.verifyWebhookSignature(raw, undefined)).toBe(false);
    expect(payment.verifyWebhookSignature(raw, 'not hex')).toBe(false);
    expect(() => payment.parseWebhook(tampered, signature)).toThrow(RemoteRejectedError);
    expect(await payment.getPayment(paymentId)).toMatchObject({ status: 'paid', refundedAmount: 0 });
  });

  it('when the webhook receiver fails twice, then the gateway retries with backoff until delivered', async () => {
    const { paymentId, checkoutUrl } = await checkout('case-3', 'case-3:checkout:1');
    failNextWebhooks = 2;
    await fetch(checkoutUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await waitFor(() => sim.deliveries.some((d) => d.paymentId === paymentId && d.delivered));
    expect(sim.deliveries.find((d) => d.paymentId === paymentId)).toMatchObject({ attempts: 3, delivered: true, gaveUp: false });
  });
});

describe('refund', () => {
  it('when a paid payment is refunded, then once (idempotent on the key), with a webhook; again, CONFLICT', async () => {
    const { paymentId, checkoutUrl } = await checkout('case-4', 'case-4:checkout:1', 3600);
    expect(await failure(payment.refund({ paymentId, idempotencyKey: 'case-4:refund:0' }))).toMatchObject({ code: 'CONFLICT' });
    await fetch(checkoutUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const r = await payment.refund({ paymentId, idempotencyKey: 'case-4:refund:1', reason: 'withdrawal' });
    expect(r).toMatchObject({ amount: 3600, status: 'refunded' });
    expect(await payment.refund({ paymentId, idempotencyKey: 'case-4:refund:1', reason: 'withdrawal' })).toEqual(r);
    expect(await failure(payment.refund({ paymentId, idempotencyKey: 'case-4:refund:2' }))).toMatchObject({ code: 'CONFLICT' });
    await waitFor(() => sim.deliveries.some((d) => d.paymentId === paymentId && d.type === 'payment.refunded' && d.delivered));
  });

  it('when the payment does not exist, then NOT_FOUND', async () => {
    expect(await failure(payment.getPayment('pay_nothing'))).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });
});
