/**
 * The role ↔ permission table (R6.6): the one place that says who may do what. Routes ask
 * `can(role, permission)` (through api/auth's `requirePermission`); nothing else grants rights.
 * The README embeds `permissionTableMarkdown()`, so the document cannot drift from the code.
 *
 * Separation of duties is visible here: a reviewer proposes a disposition and a supervisor
 * decides it; the auditor sees the audit log and the inquiry records (IDs only) and the admin
 * manages accounts only, so neither can read personal data (api-contract "Accounts and tokens").
 */

/** `portal` is a system client (マイナポータル / e-Gov intake); every other role is a person. */
export const ROLES = ['portal', 'clerk', 'reviewer', 'supervisor', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles held by people: they log in with a password and a TOTP second factor (R6.5). */
export const STAFF_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'portal');
/** Roles held by API clients (client id + secret, no second factor: no person at the keyboard). */
export const CLIENT_ROLES: readonly Role[] = ['portal'];

export const PERMISSIONS = {
  'case:create': 'file an application (申請の受付)',
  'case:read': 'read a case and its history',
  'case:withdraw': 'withdraw a case (取下げ)',
  'case:resubmit': 'answer a return for correction (補正)',
  'review:read': 'read the reviewers’ queue',
  'review:claim': 'claim a review task',
  'review:decide': 'approve, reject or return a claimed task (審査)',
  'payment:stamp': 'record revenue stamps (収入印紙) on a paper application',
  'payment:summary': 'read income and refund totals',
  'registrant:read': 'search and read the registrant file (登録者ファイル)',
  'license:read': 'download a license PDF (免状)',
  'credential:issue': 'issue a digital credential',
  'disposition:propose': 'propose a disposition (処分: warning, suspension, return order)',
  'disposition:decide': 'decide a proposed disposition (決裁)',
  'reconciliation:start': 'start the yearly reconciliation now',
  'reconciliation:read': 'read a reconciliation run and its findings',
  'audit:read': 'read the audit log',
  'audit:verify': 'verify the audit log’s hash chain',
  'inquiry:read': 'read the 情報提供等記録 (inquiry records: IDs, purpose, actor, outcome; no personal data)',
  'account:manage': 'list, add, disable accounts and change roles',
} as const;
export type Permission = keyof typeof PERMISSIONS;

const CASE_INTAKE: Permission[] = ['case:create', 'case:read', 'case:withdraw', 'case:resubmit'];
const REVIEW: Permission[] = ['case:read', 'review:read', 'review:claim', 'review:decide', 'registrant:read',
  'license:read', 'credential:issue'];

/** THE table. Order inside a row does not matter; a permission not listed is denied. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  portal: [...CASE_INTAKE, 'license:read', 'credential:issue'],
  clerk: [...CASE_INTAKE, 'payment:stamp', 'payment:summary', 'registrant:read', 'license:read'],
  reviewer: [...REVIEW, 'disposition:propose'],
  supervisor: [...REVIEW, 'disposition:decide', 'payment:summary', 'reconciliation:start', 'reconciliation:read'],
  auditor: ['audit:read', 'audit:verify', 'inquiry:read'],
  admin: ['account:manage'],
};

const granted: ReadonlyMap<Role, ReadonlySet<Permission>> = new Map(
  ROLES.map((r) => [r, new Set(ROLE_PERMISSIONS[r])]),
);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

/** Whether `role` holds `permission`. Unknown roles (e.g. a stale value in the database) hold nothing. */
export function can(role: string, permission: Permission): boolean {
  return isRole(role) && (granted.get(role)?.has(permission) ?? false);
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(role, p));
}

/**
 * Who may open the queue dashboard `/admin/queues` (not an API route, so outside the table). The
 * admin may: its jobs hold IDs only and their failures codes only (api/queue-dashboard.ts).
 */
export const QUEUE_DASHBOARD_ROLES: readonly Role[] = ['supervisor', 'admin'];

/** Access decided outside the table, listed under it in the README. */
export const ACCESS_OUTSIDE_THE_TABLE: readonly { what: string; allowed(role: Role): boolean }[] = [
  { what: '`/admin/queues` — the queue dashboard (read-only; jobs hold IDs only, failures codes only: no personal data)',
    allowed: (r) => QUEUE_DASHBOARD_ROLES.includes(r) },
  { what: '`/codec` — decoded payloads in the Temporal UI (staff with `case:read`; bearer token or the codec sign-in)',
    allowed: (r) => STAFF_ROLES.includes(r) && can(r, 'case:read') },
];

/** The table as a markdown grid (permissions down, roles across), for the README. */
export function permissionTableMarkdown(): string {
  const header = `| permission | ${ROLES.join(' | ')} |`;
  const rule = `|---|${ROLES.map(() => ':-:').join('|')}|`;
  const row = (what: string, allowed: (r: Role) => boolean) => `| ${what} | ${ROLES.map((r) => (allowed(r) ? '✓' : '')).join(' | ')} |`;
  const rows = (Object.entries(PERMISSIONS) as [Permission, string][]).map(([p, what]) => row(`\`${p}\` — ${what}`, (r) => can(r, p)));
  return [header, rule, ...rows, ...ACCESS_OUTSIDE_THE_TABLE.map((a) => row(a.what, a.allowed))].join('\n');
}
