/**
 * Fault injection shared by every simulator (障害注入): latency, 503s, hangs past the client's
 * timeout, garbage bodies, maintenance windows (保守停止) and operating hours (運用時間). Settable at
 * runtime with POST /admin/faults, reset with DELETE /admin/faults. Draws come from a seeded
 * generator, and the *Next counters script exact sequences, so tests are repeatable.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { createRng } from './rng';
import { parseBody, sendError } from './http';

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO date-time');
const window = z.object({ from: isoDate, to: isoDate });
const hours = z.object({ startHour: z.number().int().min(0).max(23), endHour: z.number().int().min(1).max(24) });
const rate = z.number().min(0).max(1);
const count = z.number().int().min(0);

const fields = {
  latencyMs: count,
  failRate: rate,
  timeoutRate: rate,
  malformedRate: rate,
  /** true/false, or windows of {from, to} in which every call answers 503 MAINTENANCE. */
  maintenance: z.union([z.boolean(), z.array(window)]),
  /** Exact scripting: the next N business requests hang / fail / answer garbage (that precedence). */
  failNext: count,
  timeoutNext: count,
  malformedNext: count,
  /** How long a hung request is held before its socket is destroyed. */
  hangMs: count,
  /** Reseeds the draw sequence, so the same settings give the same outcomes. */
  seed: z.number().int().optional(),
  /** Runtime override of the simulator's operating hours (JST); false = always open. */
  operatingHours: z.union([z.boolean(), hours]).optional(),
};
// No .default() here: zod applies defaults inside .partial(), which would reset unnamed settings.
const patchSchema = z.object(fields).partial().strict();
export type FaultSettings = z.infer<z.ZodObject<typeof fields>>;
export type FaultPatch = z.infer<typeof patchSchema>;
const BASE: FaultSettings = {
  latencyMs: 0, failRate: 0, timeoutRate: 0, malformedRate: 0, maintenance: false,
  failNext: 0, timeoutNext: 0, malformedNext: 0, hangMs: 30_000,
};
export type OperatingHours = z.infer<typeof hours>;

/** 住基ネット's published service hours are roughly 8:00–22:00; kept configurable (domain.md). */
export const DEFAULT_OPERATING_HOURS: OperatingHours = { startHour: 8, endHour: 22 };

export interface FaultOptions {
  logger: Logger;
  now?: () => Date;
  seed?: number;
  operatingHours?: boolean | OperatingHours;
}

export interface FaultStats {
  requests: number;
  injected: Record<'latency' | 'timeout' | 'fail' | 'malformed' | 'maintenance' | 'closed', number>;
}

const MALFORMED_BODIES = ['{"status":"OK","result":{"nam', '<html><body>502 Bad Gateway</body>', '\u0000\u00ff garbage', ''];

function jstHour(d: Date): number {
  return (d.getUTCHours() + 9) % 24;
}

export function createFaults(opts: FaultOptions) {
  const now = opts.now ?? (() => new Date());
  const defaults = (): FaultSettings => ({ ...BASE, seed: opts.seed, operatingHours: opts.operatingHours ?? false });
  let settings = defaults();
  let rng = createRng(settings.seed ?? 1);
  const stats: FaultStats = { requests: 0, injected: { latency: 0, timeout: 0, fail: 0, malformed: 0, maintenance: 0, closed: 0 } };

  const hoursNow = (): OperatingHours | undefined => {
    const h = settings.operatingHours;
    return h === true ? DEFAULT_OPERATING_HOURS : h || undefined;
  };

  const inMaintenance = (): { until?: Date } | undefined => {
    const m = settings.maintenance;
    if (m === true) return {};
    if (!m) return undefined;
    const t = now().getTime();
    const hit = m.find((w) => Date.parse(w.from) <= t && t < Date.parse(w.to));
    return hit ? { until: new Date(hit.to) } : undefined;
  };

  function outcome(): 'timeout' | 'fail' | 'malformed' | 'ok' {
    // Always draw three numbers so one setting does not shift the sequence of another.
    const [rt, rf, rm] = [rng(), rng(), rng()];
    if (settings.timeoutNext > 0) return settings.timeoutNext--, 'timeout';
    if (settings.failNext > 0) return settings.failNext--, 'fail';
    if (settings.malformedNext > 0) return settings.malformedNext--, 'malformed';
    if (rt < settings.timeoutRate) return 'timeout';
    if (rf < settings.failRate) return 'fail';
    if (rm < settings.malformedRate) return 'malformed';
    return 'ok';
  }

  async function middleware(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.path.startsWith('/admin/')) return next();
    stats.requests++;
    const open = hoursNow();
    const hour = jstHour(now());
    if (open && (hour < open.startHour || hour >= open.endHour)) {
      stats.injected.closed++;
      res.locals.fault = 'closed';
      return sendError(res, 503, 'OUTSIDE_OPERATING_HOURS', `service hours are ${open.startHour}:00-${open.endHour}:00 JST`);
    }
    const maint = inMaintenance();
    if (maint) {
      stats.injected.maintenance++;
      res.locals.fault = 'maintenance';
      if (maint.until) res.setHeader('Retry-After', Math.max(1, Math.ceil((maint.until.getTime() - now().getTime()) / 1000)));
      return sendError(res, 503, 'MAINTENANCE', 'the service is under maintenance');
    }
    if (settings.latencyMs > 0) {
      stats.injected.latency++;
      await new Promise((r) => setTimeout(r, settings.latencyMs));
    }
    const what = outcome();
    if (what === 'ok') return next();
    stats.injected[what]++;
    res.locals.fault = what;
    if (what === 'fail') return sendError(res, 503, 'SIMULATED_FAILURE', 'temporarily unavailable');
    if (what === 'timeout') {
      // Hang: answer nothing until the client gives up or hangMs passes, then drop the socket.
      const timer = setTimeout(() => req.socket.destroy(), settings.hangMs);
      timer.unref();
      res.on('close', () => clearTimeout(timer)); // not req's 'close': it fires once the body is read
      return;
    }
    const garbage = MALFORMED_BODIES[Math.floor(rng() * MALFORMED_BODIES.length)] ?? '';
    res.json = ((_: unknown) => res.status(200).type('application/json').end(garbage)) as Response['json'];
    next();
  }

  const admin = Router();
  admin.get('/admin/faults', (_req, res) => {
    res.json({ settings, stats });
  });
  admin.post('/admin/faults', (req, res) => {
    const patch = parseBody(patchSchema, req.body ?? {});
    settings = { ...settings, ...patch };
    if (patch.seed !== undefined) rng = createRng(patch.seed);
    opts.logger.info({ faults: settings }, 'faults set');
    res.json({ settings });
  });
  admin.delete('/admin/faults', (_req, res) => {
    settings = defaults();
    rng = createRng(settings.seed ?? 1);
    opts.logger.info('faults reset');
    res.json({ settings });
  });

  return { middleware, admin, stats, settings: () => settings };
}
