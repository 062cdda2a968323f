/**
 * CPU seconds per process of a benchmark's services (from /proc, pid files of scripts/lib.sh), so
 * a throughput figure measured on a shared 2-core machine can be judged: a run that was slow
 * because others took the cores shows the same CPU seconds as a fast one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Service name → pid file under RUN_DIR (a `*` matches several). */
const SERVICES: Record<string, string> = {
  mariadb: 'mariadb/mariadbd.pid', temporal: 'temporal/temporal.pid', redis: 'redis/redis.pid', 'sim-juki': 'sim-juki.pid', 'sim-chukan': 'sim-chukan.pid',
};

/** User + system CPU seconds of a process so far (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function pidsOf(runDir: string, file: string): number[] {
  const dir = join(runDir, file, '..');
  const base = file.split('/').pop()!;
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => new RegExp(`^${base.replace('*', '.*')}$`).test(f));
  } catch {
    return [];
  }
  return names.flatMap((f) => {
    const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? [pid] : [];
  });
}

export type CpuSnapshot = Map<string, number>;

/** CPU seconds so far of each service that has a pid file (`services`: name → pid file under runDir, a `*` matches several). */
export function servicesCpu(runDir: string, services: Record<string, string>): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const [name, file] of Object.entries(services)) {
    const pids = pidsOf(runDir, file);
    if (pids.length) out.set(name, pids.reduce((a, p) => a + cpuSeconds(p), 0));
  }
  return out;
}

/** CPU seconds so far of this process ("bench": the worker and the workflow run here) and of each service. */
export function cpuSnapshot(runDir: string): CpuSnapshot {
  const u = process.cpuUsage();
  return new Map([['bench (worker)', (u.user + u.system) / 1e6], ...servicesCpu(runDir, SERVICES)]);
}

/** "bench (worker) 41.2 s, mariadb 20.1 s, … (total 80.3 s of CPU over 60.0 s wall; 2 cores give 120 s)". */
export function cpuReport(from: CpuSnapshot, to: CpuSnapshot, wallSeconds: number): string {
  const parts = [...to].map(([name, end]) => [name, end - (from.get(name) ?? 0)] as const).filter(([, s]) => Number.isFinite(s));
  const total = parts.reduce((a, [, s]) => a + s, 0);
  return `${parts.map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ')} (total ${total.toFixed(1)} s of CPU over ${wallSeconds.toFixed(1)} s wall; 2 cores give ${(2 * wallSeconds).toFixed(0)} s)`;
}
