/**
 * `Server-Timing` (W3C) for the intake request, so a benchmark — or an operator's browser — can see
 * where its time goes (vault, database, Temporal) without a profiler. Off unless SERVER_TIMING=on:
 * the phase times of a request are a timing side channel a production client has no need for.
 */
export class ServerTiming {
  private readonly phases: [string, number][] = [];

  constructor(readonly enabled: boolean) {}

  /**
   * The time before the handler: `auth` (the token's lookup) and `pre` (the rest since the request
   * reached the app: body parsing, other middleware, waiting for the event loop). A request's
   * time on the socket before express saw it is in neither.
   */
  before(locals: { receivedAt?: number; authMs?: number }, handlerStart: number): void {
    if (!this.enabled || locals.receivedAt === undefined) return;
    const auth = locals.authMs ?? 0;
    this.phases.push(['auth', auth], ['pre', Math.max(0, handlerStart - locals.receivedAt - auth)]);
  }

  /** Runs `fn`, adding its wall time to phase `name` (a token: letters, digits, -). */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return fn();
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - t0;
      const seen = this.phases.find(([n]) => n === name);
      if (seen) seen[1] += ms;
      else this.phases.push([name, ms]);
    }
  }

  /** The header value, e.g. `vault;dur=2.1, db;dur=4.0, temporal;dur=9.8`; empty when disabled. */
  header(): string {
    return this.phases.map(([n, ms]) => `${n};dur=${ms.toFixed(1)}`).join(', ');
  }
}

/** Parses a Server-Timing header into phase → milliseconds (the benchmark's side). */
export function parseServerTiming(value: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (value ?? '').split(',')) {
    const m = /^\s*([A-Za-z0-9_-]+)\s*;\s*dur=([0-9.]+)/.exec(part);
    if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}
