/**
 * A throttle for follow-up work started by a batch (case workflows, mail jobs): at most
 * `concurrency` at once and at most `perSecond` starts per second in this process, in order.
 * A yearly run that finds thousands of deaths must not start thousands of workflows at once.
 */
export interface Throttle {
  <T>(fn: () => Promise<T>): Promise<T>;
}

export function createThrottle(opts: { perSecond: number; concurrency: number }): Throttle {
  const spacingMs = 1000 / Math.max(0.001, opts.perSecond);
  const limit = Math.max(1, opts.concurrency);
  let nextStart = 0;
  let active = 0;
  const waiting: (() => void)[] = [];

  const acquire = async () => {
    // A released slot is handed straight to the next waiter, so the limit holds exactly.
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    else active++;
    const now = Date.now();
    const at = Math.max(now, nextStart);
    nextStart = at + spacingMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  return async <T>(fn: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
