/** Liveness and readiness (api-contract "Health"). Readiness names what is down, nothing more. */
import { Router } from 'express';
import type { ApiDeps } from '../deps';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

export function healthRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, () => Promise<unknown>> = {
      temporal: () => deps.temporal.workflowService.getSystemInfo({}),
      database: () => deps.db.query('SELECT 1'),
      redis: () => deps.queues.system.client.ping(),
    };
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'up'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }),
    );
    const down = results.filter(([, s]) => s === 'down').map(([n]) => n);
    res.status(down.length ? 503 : 200).json({
      status: down.length ? 'unavailable' : 'ready',
      checks: Object.fromEntries(results),
      ...(down.length ? { error: { code: 'UNAVAILABLE', message: `not ready: ${down.join(', ')} down` } } : {}),
    });
  });
  return r;
}
