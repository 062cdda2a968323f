/**
 * Per-IP token bucket for the login and token endpoints: it slows password spraying across
 * many accounts, which the per-account lock cannot see. In memory, per process: with several
 * API replicas each keeps its own buckets (the effective limit multiplies), and a restart
 * forgets them. That is acceptable for a second line of defence; a shared store (Redis) would
 * be the next step. The client IP honours `trust proxy` as configured in api/app.ts.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

export interface RateLimitOptions {
  /** Attempts allowed in a burst. */
  capacity: number;
  /** Attempts regained per minute. */
  refillPerMinute: number;
}

export const LOGIN_RATE_LIMIT: RateLimitOptions = { capacity: 20, refillPerMinute: 10 };

const MAX_TRACKED = 10_000;

interface Bucket { tokens: number; at: number }

export function rateLimit(opts: RateLimitOptions = LOGIN_RATE_LIMIT, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, Bucket>();
  const perMs = opts.refillPerMinute / 60_000;

  const refill = (b: Bucket, t: number) => {
    b.tokens = Math.min(opts.capacity, b.tokens + (t - b.at) * perMs);
    b.at = t;
  };
  // Bounded memory under a flood of addresses: full buckets carry no information, drop them.
  const sweep = (t: number) => {
    for (const [ip, b] of buckets) {
      refill(b, t);
      if (b.tokens >= opts.capacity) buckets.delete(ip);
    }
  };

  return (req, res, next) => {
    const t = now();
    const ip = req.ip ?? 'unknown';
    let b = buckets.get(ip);
    if (!b) {
      if (buckets.size >= MAX_TRACKED) sweep(t);
      b = { tokens: opts.capacity, at: t };
      buckets.set(ip, b);
    }
    refill(b, t);
    if (b.tokens < 1) {
      res.set('Retry-After', String(Math.ceil((1 - b.tokens) / perMs / 1000)));
      return next(new AppError('RATE_LIMITED', 'too many attempts from this address; try again later'));
    }
    b.tokens -= 1;
    next();
  };
}
