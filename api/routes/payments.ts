/**
 * Payments (api-contract "Payment").
 * - The gateway's webhook: authenticated by the HMAC-SHA256 of the raw body (X-Signature), not by
 *   a token, so this router is mounted before the JSON parser and reads the bytes itself.
 *   Idempotent per event ID. A payment the case still waits for is signalled to its workflow; a
 *   payment whose checkout expired or was cancelled, or whose case has closed, is refunded at once —
 *   money is never kept without a case.
 * - Income and refund totals for any period and category (R2.3), dates in Japan time.
 */
import express, { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { QueryTypes } from 'sequelize';
import { isRemoteError } from '../../adapters';
import { requirePermission } from '../auth';
import type { ApiDeps } from '../deps';
import { AppError } from '../errors';
import { parseWith, SummaryQuery } from '../cases/schemas';
import { sqlTime } from '../../db/connection';
import { derivedId } from '../../db/documents';
import { addDays } from '../../domain/iso-date';
import { paymentConfirmedSignal } from '../../workflows/case/messages';
import { query, transaction } from '../../db/query';

const WEBHOOK_ACTOR = 'system:payment-gateway';

export function paymentWebhookRoutes(deps: ApiDeps): Router {
  const r = Router();
  const { db, services } = deps;
  r.post('/api/v1/payments/webhook', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event;
    try {
      event = services.payments.parseWebhook(raw, req.get('x-signature'));
    } catch (err) {
      if (!isRemoteError(err)) throw err;
      await services.audit.append({ actor: WEBHOOK_ACTOR, action: 'payment.webhook', purpose: '決済通知の受信', outcome: 'denied',
        detail: { reason: 'bad signature or body' } });
      throw new AppError('UNAUTHENTICATED', 'the webhook signature is invalid');
    }
    const [seen] = await query<{ outcome: string }>(db, 'SELECT outcome FROM payment_events WHERE event_id = ?',
      { replacements: [event.eventId], type: QueryTypes.SELECT });
    if (seen) return void res.json({ received: true, outcome: seen.outcome, duplicate: true });

    const [pay] = await query<{ payment_id: string; case_id: string; status: string; amount: number; category: string }>(db,
      "SELECT payment_id, case_id, status, amount, category FROM payments WHERE external_ref = ? AND kind = 'income'",
      { replacements: [event.paymentId], type: QueryTypes.SELECT });
    if (!pay || pay.case_id !== event.caseId) throw new AppError('NOT_FOUND', 'no such payment');

    let outcome: string;
    if (event.type === 'payment.refunded') {
      outcome = 'refund_confirmed';
      await query(db, "UPDATE payments SET status = 'refunded', updated_at = ? WHERE case_id = ? AND kind = 'refund' AND status <> 'refunded'",
        { replacements: [sqlTime(), pay.case_id] });
    } else if (pay.status === 'expired' || pay.status === 'cancelled') {
      // The case no longer waits for this payment and the applicant has been told so: refunded here,
      // without asking the workflow. A signal could still reach a workflow whose task recording the
      // expiry is retried (the signal is then handled before the timer), and the case would go on
      // to completion after the applicant had seen it fail (CI, 2026-11-26).
      outcome = await refundForClosedCase(deps, pay, event.paymentId, event.amount);
    } else {
      try {
        await deps.temporal.workflow.getHandle(`case-${pay.case_id}`).signal(paymentConfirmedSignal,
          { paymentId: pay.payment_id, amount: event.amount, externalRef: event.paymentId });
        outcome = 'signalled';
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        outcome = await refundForClosedCase(deps, pay, event.paymentId, event.amount);
      }
    }
    await query(db, 'INSERT IGNORE INTO payment_events (event_id, payment_id, type, outcome, received_at) VALUES (?, ?, ?, ?, ?)',
      { replacements: [event.eventId, pay.payment_id, event.type, outcome, sqlTime()] });
    await services.audit.append({ actor: WEBHOOK_ACTOR, action: 'payment.webhook', purpose: '決済通知の受信', targetType: 'payment',
      targetId: pay.payment_id, outcome: 'ok', detail: { type: event.type, outcome, caseId: pay.case_id } });
    res.json({ received: true, outcome });
  });
  return r;
}

/** A payment that reached us after its case had closed: recorded as income, refunded in full. */
async function refundForClosedCase(deps: ApiDeps, pay: { payment_id: string; case_id: string; status: string; category: string },
  gatewayPaymentId: string, amount: number): Promise<string> {
  const { db, services } = deps;
  if (pay.status === 'paid') return 'already_settled'; // the case used it (completed after payment)
  const refund = await services.payments.refund({ paymentId: gatewayPaymentId, amount, reason: 'case closed',
    idempotencyKey: `refund:${pay.payment_id}` });
  await transaction(db, async (t) => {
    const now = sqlTime();
    await query(db, "UPDATE payments SET status = 'refunded', amount = ?, confirmed_at = COALESCE(confirmed_at, ?), updated_at = ? WHERE payment_id = ?",
      { replacements: [amount, now, now, pay.payment_id], transaction: t });
    await query(db,
      `INSERT IGNORE INTO payments (payment_id, case_id, category, method, kind, amount, status, external_ref, idempotency_key, confirmed_at, created_at, updated_at)
       VALUES (?, ?, ?, 'online', 'refund', ?, 'refunded', ?, ?, ?, ?, ?)`,
      { replacements: [derivedId(`refund:${pay.payment_id}`), pay.case_id, pay.category, amount, refund.refundId, `refund:${pay.payment_id}`, now, now, now],
        transaction: t });
    await services.audit.append({ actor: WEBHOOK_ACTOR, action: 'payment.refund', purpose: '閉じた申請への入金の返金', targetType: 'payment',
      targetId: pay.payment_id, outcome: 'ok', detail: { caseId: pay.case_id, amount } }, t);
  });
  return 'refunded_case_closed';
}

export function paymentRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/api/v1/payments/summary', requirePermission('payment:summary'), async (req, res) => {
    const q = parseWith(SummaryQuery, req.query, 'the query');
    if (q.from > q.to) throw new AppError('VALIDATION_FAILED', 'from must not be after to');
    // [from 00:00, to+1 00:00) in Japan time, as UTC for the DATETIME column.
    const start = sqlTime(new Date(`${q.from}T00:00:00+09:00`));
    const end = sqlTime(new Date(`${addDays(q.to, 1)}T00:00:00+09:00`));
    const key = q.groupBy === 'day' ? "DATE_FORMAT(CONVERT_TZ(confirmed_at, '+00:00', '+09:00'), '%Y-%m-%d')" : q.groupBy;
    const rows = await query<{ grp: string; kind: string; n: number; total: number }>(deps.db,
      `SELECT ${key} AS grp, kind, COUNT(*) AS n, SUM(amount) AS total FROM payments
        WHERE confirmed_at >= ? AND confirmed_at < ?
          AND ((kind = 'income' AND status IN ('paid', 'refunded')) OR kind = 'refund')
          ${q.category ? 'AND category = ?' : ''}
        GROUP BY grp, kind ORDER BY grp`,
      { replacements: [start, end, ...(q.category ? [q.category] : [])], type: QueryTypes.SELECT });
    const groups = new Map<string, { key: string; income: { count: number; amount: number }; refunds: { count: number; amount: number } }>();
    for (const row of rows) {
      const g = groups.get(row.grp) ?? { key: row.grp, income: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 } };
      const slot = row.kind === 'income' ? g.income : g.refunds;
      slot.count += Number(row.n);
      slot.amount += Number(row.total);
      groups.set(row.grp, g);
    }
    const list = [...groups.values()].map((g) => ({ ...g, net: g.income.amount - g.refunds.amount }));
    const sum = (f: (g: (typeof list)[number]) => number) => list.reduce((a, g) => a + f(g), 0);
    res.json({
      from: q.from, to: q.to, groupBy: q.groupBy, category: q.category ?? null, currency: 'JPY', groups: list,
      totals: { income: { count: sum((g) => g.income.count), amount: sum((g) => g.income.amount) },
        refunds: { count: sum((g) => g.refunds.count), amount: sum((g) => g.refunds.amount) }, net: sum((g) => g.net) },
    });
  });
  return r;
}
