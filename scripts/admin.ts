/**
 * `npm run admin -- <command> [options]`: account administration (R6.6) over the application
 * database account. Secrets are printed once and never stored in clear; every change goes to
 * the account register (記録簿) and the audit log. Add further commands to COMMANDS.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../common/config';
import { permissionTableMarkdown } from '../common/permissions';
import { createSequelize } from '../db/connection';
import { AppError } from '../api/errors';
import {
  accountsContext, addApiClient, addStaffAccount, changeRole, disableAccount, enableAccount, resetCredentials,
  type AccountsContext, type ChangeRequest, type NewStaffAccount,
} from '../api/auth/accounts';
import { listAccounts } from '../api/auth/accounts-repo';
import { readFile } from 'node:fs/promises';
import { importPassers } from '../db/passers';
import { AUDIT_COMMANDS } from './audit-commands';
import { INQUIRY_COMMANDS } from './inquiry-commands';

const OPTIONS = {
  username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, reason: { type: 'string' },
  'approved-by': { type: 'string' }, 'requested-by': { type: 'string' }, json: { type: 'boolean' },
} as const;
type Args = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const need = (v: string | undefined, flag: string): string => {
  if (!v) throw new UsageError(`--${flag} is required`);
  return v;
};
const request = (a: Args): ChangeRequest => ({
  reason: a.reason, approvedBy: a['approved-by'],
  // Who ran the command: the operator's login unless the application names someone else.
  requestedBy: a['requested-by'] ?? userInfo().username,
});

function printCredentials(a: Args, acct: NewStaffAccount, what: string): void {
  if (a.json) return out(JSON.stringify({ username: acct.username, password: acct.password, totpSecret: acct.totpSecret }));
  out(`${what} ${acct.username}.`);
  out(`one-time password: ${acct.password}`);
  out(`TOTP secret:       ${acct.totpSecret}`);
  out(`otpauth URI:       ${acct.totpUri}`);
  out('Shown once. Hand them over on separate channels; the person replaces the password at first login ' +
    '(POST /api/v1/auth/password).');
}

const COMMANDS: Record<string, { usage: string; run: (ctx: AccountsContext, a: Args, rest: string[]) => Promise<number | void> }> = {
  'passers:import': {
    usage: '<file.csv> [--json]   (header passerNumber,nameKanji,nameKana,birthDate,examDate; UTF-8)',
    run: async (ctx, a, rest) => {
      const file = rest[0];
      if (!file) throw new UsageError('the CSV file is required');
      const report = await importPassers(ctx.db, ctx.audit, await readFile(file, 'utf8'), `admin:${userInfo().username}`);
      if (a.json) out(JSON.stringify(report));
      else {
        out(`${report.rows} rows: ${report.inserted} imported, ${report.updated} updated, ${report.unchanged} unchanged, ${report.errors.length} refused`);
        for (const e of report.errors) out(`  line ${e.line}: ${e.message}`);
      }
      return report.errors.length ? 2 : 0;
    },
  },
  'user:add': {
    usage: '--username X --role R [--reason "…"] [--approved-by Y] [--requested-by Z] [--json]',
    run: async (ctx, a) => {
      if (!a.reason) process.stderr.write('warning: no --reason: R6.6 expects why the account is needed in the register\n');
      const acct = await addStaffAccount(ctx, { ...request(a), username: need(a.username, 'username'), role: need(a.role, 'role') });
      printCredentials(a, acct, `added ${a.role} account`);
    },
  },
  'client:add': {
    usage: '--name N --role portal [--reason "…"] [--approved-by Y] [--json]',
    run: async (ctx, a) => {
      const c = await addApiClient(ctx, { ...request(a), name: need(a.name, 'name'), role: need(a.role, 'role') });
      if (a.json) return out(JSON.stringify(c));
      out(`client id:     ${c.clientId}\nclient secret: ${c.clientSecret}\nShown once; POST /api/v1/auth/token exchanges them for a token.`);
    },
  },
  'user:disable': {
    usage: '--username X --reason "…" [--approved-by Y]',
    run: async (ctx, a) => {
      await disableAccount(ctx, { ...request(a), username: need(a.username, 'username') });
      out(`disabled ${a.username}; its tokens are revoked`);
    },
  },
  'user:enable': {
    usage: '--username X --reason "…" [--approved-by Y]',
    run: async (ctx, a) => {
      await enableAccount(ctx, { ...request(a), username: need(a.username, 'username') });
      out(`enabled ${a.username}`);
    },
  },
  'user:role': {
    usage: '--username X --role R --reason "…" [--approved-by Y]',
    run: async (ctx, a) => {
      await changeRole(ctx, { ...request(a), username: need(a.username, 'username'), role: need(a.role, 'role') });
      out(`${a.username} is now ${a.role} (from the next request on)`);
    },
  },
  'user:reset': {
    usage: '--username X --reason "…" [--approved-by Y] [--json]   (new one-time password and TOTP secret)',
    run: async (ctx, a) => printCredentials(a, await resetCredentials(ctx, { ...request(a), username: need(a.username, 'username') }),
      'reset the credentials of'),
  },
  'user:list': {
    usage: '[--json]   (accounts with their login status; no secrets)',
    run: async (ctx, a) => {
      const rows = await listAccounts(ctx.db);
      if (a.json) return out(JSON.stringify(rows));
      out(['username', 'kind', 'role', 'status', 'last login', 'failures', 'locked until'].join('\t'));
      for (const r of rows) {
        out([r.username, r.kind, r.role, r.status, r.lastLoginAt ?? '-', r.failedCount, r.lockedUntil ?? '-'].join('\t'));
      }
    },
  },
  'roles:table': { usage: '(the role ↔ permission table as markdown)', run: async () => out(permissionTableMarkdown()) },
  ...AUDIT_COMMANDS,
  ...INQUIRY_COMMANDS,
};

function usage(): string {
  return ['usage: npm run admin -- <command> [options]', ...Object.entries(COMMANDS).map(([n, c]) => `  ${n} ${c.usage}`)].join('\n');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true, strict: true });
  const command = COMMANDS[positionals[0] ?? ''];
  if (!command) throw new UsageError(positionals[0] ? `unknown command ${positionals[0]}` : 'no command given');
  const config = loadConfigOrExit();
  const db = createSequelize(config.DATABASE_URL, 2);
  try {
    const code = (await command.run(accountsContext(config, db), values, positionals.slice(1))) ?? 0;
    return code || Number(process.exitCode ?? 0); // a command may report a failed check through process.exitCode
  } finally {
    await db.close();
  }
}

main().then((code) => process.exit(code), (err: Error) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`admin: ${err.message}\n${usage()}\n`);
    process.exit(64); // EX_USAGE
  }
  process.stderr.write(`admin: ${err instanceof AppError ? err.message : `${err.name}: ${err.message}`}\n`);
  process.exit(1);
});
