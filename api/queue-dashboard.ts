/**
 * The Bull queue dashboard (mail, print, system jobs). Jobs carry no My Number, but they do carry
 * names and addresses, so the dashboard is served only outside production until staff
 * authentication guards it.
 */
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queues } from '../common/queues';
import { QUEUE_NAMES } from '../common/queues';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

export function queueDashboard(queues: Queues): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: QUEUE_NAMES.map((n) => new BullAdapter(queues[n], { readOnlyMode: true })), serverAdapter: adapter });
  return adapter.getRouter();
}
