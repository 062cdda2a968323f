/**
 * Signed webhook delivery with retries. The signature covers the exact bytes sent, so the
 * receiver must verify the raw body before parsing it. A delivery is retried on any non-2xx,
 * network error or timeout, after baseDelayMs·2^(n-1) (capped), up to maxAttempts; receivers
 * must therefore be idempotent on eventId (also sent as X-Event-Id).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { Logger } from '../../common/logger';

export interface WebhookOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
}

export interface Delivery {
  eventId: string;
  type: string;
  paymentId: string;
  attempts: number;
  delivered: boolean;
  gaveUp: boolean;
  lastStatus: number | null;
}

export type WebhookEvent = { type: string; paymentId: string } & Record<string, unknown>;

export function signBody(secret: string | Buffer, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

export function createWebhookSender(secret: string | Buffer, opts: WebhookOptions, logger: Logger) {
  const maxAttempts = opts.maxAttempts ?? 8;
  const baseDelayMs = opts.baseDelayMs ?? 1000;
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const deliveries: Delivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  async function attempt(url: string, body: string, signature: string, d: Delivery): Promise<void> {
    d.attempts++;
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature, 'x-event-id': d.eventId },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      d.lastStatus = res.statusCode;
      await res.body.dump().catch(() => undefined);
      d.delivered = res.statusCode >= 200 && res.statusCode < 300;
    } catch {
      d.lastStatus = null;
    }
    logger.info({ eventId: d.eventId, type: d.type, attempt: d.attempts, status: d.lastStatus, delivered: d.delivered }, 'webhook attempt');
    if (d.delivered || stopped) return;
    if (d.attempts >= maxAttempts) {
      d.gaveUp = true;
      logger.warn({ eventId: d.eventId, attempts: d.attempts }, 'webhook given up');
      return;
    }
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (d.attempts - 1));
    const timer = setTimeout(() => {
      timers.delete(timer);
      void attempt(url, body, signature, d);
    }, delay);
    timer.unref(); // a pending retry must not keep a test process alive
    timers.add(timer);
  }

  return {
    deliveries,
    send(url: string, event: WebhookEvent): Delivery {
      const eventId = `evt_${randomUUID()}`;
      const body = JSON.stringify({ eventId, ...event });
      const d: Delivery = { eventId, type: event.type, paymentId: event.paymentId, attempts: 0, delivered: false, gaveUp: false, lastStatus: null };
      deliveries.push(d);
      void attempt(url, body, signBody(secret, body), d);
      return d;
    },
    stop(): void {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
