/**
 * A tiny `--name value` / `--flag` parser for the simulators' main files. The simulators take
 * their settings from the command line because common/config.ts is the only reader of the
 * environment and has no simulator-specific variables (the up script passes them as flags).
 */

export type Args = Map<string, string | true>;

export function parseArgs(argv: string[]): Args {
  const args: Args = new Map();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (!token.startsWith('--')) throw new Error(`unexpected argument: ${token}`);
    const eq = token.indexOf('=');
    if (eq > 0) {
      args.set(token.slice(2, eq), token.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args.set(token.slice(2), next);
      i++;
    } else {
      args.set(token.slice(2), true);
    }
  }
  return args;
}

export function stringArg(args: Args, name: string, fallback: string): string {
  const v = args.get(name);
  return typeof v === 'string' ? v : fallback;
}

export function intArg(args: Args, name: string, fallback: number): number {
  const v = args.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer`);
  return n;
}

export function flagArg(args: Args, name: string): boolean {
  const v = args.get(name);
  return v === true || v === 'true' || v === '1';
}

/** Port from `--port N` or from a URL given as `--url http://host:port` (e.g. $JUKI_SIM_URL). */
export function listenArgs(args: Args, defaultPort: number): { port: number; host: string } {
  const url = args.get('url');
  if (typeof url === 'string') {
    const u = new URL(url);
    return { port: Number(u.port || defaultPort), host: u.hostname };
  }
  return { port: intArg(args, 'port', defaultPort), host: stringArg(args, 'host', '127.0.0.1') };
}

/** Starts, prints the URL, and closes cleanly on SIGINT/SIGTERM. */
export async function runMain(
  name: string,
  start: () => Promise<{ url: string; close(): Promise<void> }>,
  extraClose?: () => void,
): Promise<void> {
  const server = await start();
  process.stdout.write(`${name} listening on ${server.url}\n`);
  const stop = () => {
    extraClose?.();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
