/**
 * The Bull queue dashboard (mail, print, system jobs), for a supervisor or an admin bearer token in
 * every environment (issue #5); other callers get 401/403, and each 403 is audited.
 * The admin sees no personal data (api-contract), and nothing here is personal: a job's data is
 * IDs only (mail: a notice ID; print: a document and a case ID; system: a check ID), its result a
 * flag, and its failure reason codes only (worker/jobs.ts `mailFailure` strips the SMTP reply,
 * which quotes the address). Retrying or removing jobs is off (read-only mode).
 * Browsers do not send bearer tokens on their own: open it through a proxy or a header-setting
 * tool that adds `Authorization: Bearer <token>` (a session cookie would be a separate change).
 */
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type RequestHandler } from 'express';
import type { Sequelize } from 'sequelize';
import { QUEUE_DASHBOARD_ROLES } from '../common/permissions';
import type { Queues } from '../common/queues';
import { QUEUE_NAMES } from '../common/queues';
import { actorOf, authenticate } from './auth';
import { auditedForbidden } from './auth/middleware';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
export { QUEUE_DASHBOARD_ROLES };

const staffOfDashboardRoles: RequestHandler = async (req, res, next) => {
  const actor = actorOf(res);
  if (actor.kind !== 'staff' || !QUEUE_DASHBOARD_ROLES.includes(actor.role)) {
    return next(await auditedForbidden(req, res, 'queue-dashboard', 'only a supervisor or an admin may see the queues'));
  }
  next();
};

export function queueDashboard(queues: Queues, db: Sequelize): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: QUEUE_NAMES.map((n) => new BullAdapter(queues[n], { readOnlyMode: true })), serverAdapter: adapter });
  const r = Router();
  r.use(authenticate({ db }), staffOfDashboardRoles, adapter.getRouter());
  return r;
}
