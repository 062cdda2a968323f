/**
 * Where the reconciliation's wall time goes, for bench:reconcile: splits a run into time our own
 * pipeline was at work (activities, Temporal, the database) and time it only waited on the
 * simulators (a remote call outstanding, or a 住基ネット batch not yet answered, while none of our
 * activities had anything else to do). "Our own pipeline" throughput = registrants / (wall − that
 * wait). Gaps where nothing runs at all (Temporal dispatch, the workflow's timers) count as ours
 * unless a batch is pending at the remote: the figure is, if anything, slightly flattering.
 *
 * Bench-only: wraps the adapters and observes activities through a worker interceptor. It sees
 * operation names and timings only, never arguments.
 */
import { performance } from 'node:perf_hooks';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { ChukanAdapter, JukiAdapter } from '../adapters';

interface Tally { n: number; ms: number }

export class PipelineClock {
  private running = 0;
  private inRemote = 0;
  private readonly pending = new Set<string>();
  private last = performance.now();
  private remoteOnly = 0;
  readonly activities = new Map<string, Tally>();
  readonly remoteOps = new Map<string, Tally>();

  /** Starts a new measurement (counters of work in progress are kept). */
  reset(): void {
    this.tick();
    this.remoteOnly = 0;
    this.activities.clear();
    this.remoteOps.clear();
  }

  /** Milliseconds spent waiting only on the simulators since the last reset. */
  remoteOnlyMs(): number {
    this.tick();
    return this.remoteOnly;
  }

  private tick(): void {
    const now = performance.now();
    const waitingOnRemote = this.inRemote > 0 || this.pending.size > 0;
    if (waitingOnRemote && this.running - this.inRemote <= 0) this.remoteOnly += now - this.last;
    this.last = now;
  }

  private async timed<T>(into: Map<string, Tally>, name: string, enter: () => void, leave: () => void, fn: () => Promise<T>): Promise<T> {
    this.tick();
    enter();
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.tick();
      leave();
      const t = into.get(name) ?? { n: 0, ms: 0 };
      into.set(name, { n: t.n + 1, ms: t.ms + performance.now() - t0 });
    }
  }

  private remote<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return this.timed(this.remoteOps, op, () => this.inRemote++, () => this.inRemote--, fn);
  }

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: (input, next) => this.timed(this.activities, ctx.info.activityType, () => this.running++, () => this.running--, () => next(input)),
    },
  });

  wrapJuki(j: JukiAdapter): JukiAdapter {
    return {
      ...j,
      submitBatch: async (records, ctx, options) => {
        const r = await this.remote('juki.submitBatch', () => j.submitBatch(records, ctx, options));
        this.tick();
        this.pending.add(r.batchId);
        return r;
      },
      collectBatch: async (batchId, ctx) => {
        const r = await this.remote('juki.collectBatch', () => j.collectBatch(batchId, ctx));
        this.tick();
        if (r.status === 'done') this.pending.delete(batchId);
        return r;
      },
      immediateInquiry: (n, ctx) => this.remote('juki.immediateInquiry', () => j.immediateInquiry(n, ctx)),
    };
  }

  wrapChukan(c: ChukanAdapter): ChukanAdapter {
    return {
      ...c,
      obtainInstitutionCodes: (ns, ctx) => this.remote('chukan.obtainInstitutionCodes', () => c.obtainInstitutionCodes(ns, ctx)),
      inquireHonsekiBatch: (codes, ctx) => this.remote('chukan.inquireHonsekiBatch', () => c.inquireHonsekiBatch(codes, ctx)),
    };
  }

  /** One line per activity type and remote operation: count, total and mean milliseconds. */
  breakdown(): string {
    const fmt = (m: Map<string, Tally>) => [...m].sort((a, b) => b[1].ms - a[1].ms)
      .map(([k, t]) => `    ${k.padEnd(34)} ${String(t.n).padStart(6)} × ${(t.ms / t.n).toFixed(0).padStart(6)} ms = ${(t.ms / 1000).toFixed(1)} s`).join('\n');
    return `  activities (summed over concurrent pages):\n${fmt(this.activities)}\n  remote calls:\n${fmt(this.remoteOps)}`;
  }
}
