/**
 * The role × permission matrix (R6.6), generated from the one table: the table's own promises,
 * then every role over real HTTP — what /auth/me reports and what an account:manage route allows.
 */
import {
  ACCESS_OUTSIDE_THE_TABLE, PERMISSIONS, ROLES, ROLE_PERMISSIONS, STAFF_ROLES, can, permissionTableMarkdown, permissionsOf, type Permission, type Role,
} from '../../common/permissions';
import { call, loginAs, newClient, newStaff, startApi, type TestApi } from './auth-helpers';

const ALL = Object.keys(PERMISSIONS) as Permission[];

describe('the role ↔ permission table', () => {
  it.each(ROLES.flatMap((role) => ALL.map((p) => [role, p] as const)))(
    'when %s asks for %s, then can() answers exactly what the table lists', (role, p) => {
      expect(can(role, p)).toBe(ROLE_PERMISSIONS[role].includes(p));
    });

  it('when the table is read, then every permission belongs to someone and nobody holds an unknown one', () => {
    for (const p of ALL) expect(ROLES.some((r) => can(r, p))).toBe(true);
    for (const r of ROLES) for (const p of ROLE_PERMISSIONS[r]) expect(ALL).toContain(p);
    expect(can('root', 'account:manage')).toBe(false);
  });

  it('when the admin and the auditor are checked, then they reach no personal data', () => {
    expect(permissionsOf('admin')).toEqual(['account:manage']);
    // The audit log and the 情報提供等記録 (IDs, purpose, actor, outcome): nothing that reads a person.
    expect(permissionsOf('auditor')).toEqual(['audit:read', 'audit:verify', 'inquiry:read']);
  });

  it('when a disposition is proposed, then a different role decides it (separation of duties)', () => {
    for (const r of ROLES) expect(can(r, 'disposition:propose') && can(r, 'disposition:decide')).toBe(false);
  });

  it('when the table is rendered for the README, then each role is a column and each permission a row', () => {
    const lines = permissionTableMarkdown().split('\n');
    expect(lines[0]).toBe(`| permission | ${ROLES.join(' | ')} |`);
    expect(lines).toHaveLength(ALL.length + 2 + ACCESS_OUTSIDE_THE_TABLE.length);
    // the admin sees the queue dashboard (jobs hold IDs only) but never decoded payloads
    const cells = (prefix: string) => lines.find((l) => l.startsWith(`| \`${prefix}`))!.split('|').slice(2, -1).map((c) => c.trim());
    expect(cells('/admin/queues')[ROLES.indexOf('admin')]).toBe('✓');
    expect(cells('/codec')[ROLES.indexOf('admin')]).toBe('');
    expect(cells('/codec')[ROLES.indexOf('portal')]).toBe(''); // an API client, not a person
  });
});

describe('the role matrix over real HTTP', () => {
  let api: TestApi;
  const tokens = new Map<Role, string>();
  beforeAll(async () => {
    api = await startApi();
    for (const role of STAFF_ROLES) tokens.set(role, await loginAs(api.url, await newStaff(api.ctx, role)));
    const client = await newClient(api.ctx);
    tokens.set('portal', String((await call(api.url, 'POST', '/api/v1/auth/token', { body: client })).body.accessToken));
  });
  afterAll(() => api.close());

  it.each(ROLES)('when %s asks who it is, then /auth/me lists exactly its row of the table', async (role) => {
    const me = await call(api.url, 'GET', '/api/v1/auth/me', { token: tokens.get(role) });
    expect(me.status).toBe(200);
    expect([...(me.body.permissions as string[])].sort()).toEqual([...ROLE_PERMISSIONS[role]].sort());
  });

  it.each(ROLES)('when %s reads the inquiry records, then only inquiry:read gets 200, the rest 403', async (role) => {
    const r = await call(api.url, 'GET', '/api/v1/inquiry-records?limit=1', { token: tokens.get(role) });
    expect(r.status).toBe(can(role, 'inquiry:read') ? 200 : 403);
  });

  it.each(ROLES)('when %s lists the accounts, then only account:manage gets 200, the rest 403', async (role) => {
    const r = await call(api.url, 'GET', '/api/v1/accounts', { token: tokens.get(role) });
    expect(r.status).toBe(can(role, 'account:manage') ? 200 : 403);
  });
});
