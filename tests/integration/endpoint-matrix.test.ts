/**
 * The generated role × endpoint matrix (issue #5, R6.6): every protected route of the API is
 * called by every role over real HTTP. A role without the route's permission must get 403 (never
 * a 2xx); a role with it must get past the permission check (anything but 401/403 — a 400 for the
 * empty body or a 404 for the random ID is fine). The list must cover every bearer-protected path
 * of the OpenAPI document, so a new route cannot be added without its line here.
 */
import { randomUUID } from 'node:crypto';
import { ROLES, can, type Permission, type Role } from '../../common/permissions';
import { openApiDocument } from '../../api/openapi';
import { reconciliationWorkflowId } from '../../workflows/reconciliation/model';
import { call, loginAs, newClient, newStaff, startApi, type TestApi } from './auth-helpers';

interface Endpoint { method: string; path: string; permission: Permission }

const id = () => randomUUID();
const ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: '/api/v1/cases', permission: 'case:create' },
  { method: 'GET', path: '/api/v1/cases/{caseId}', permission: 'case:read' },
  { method: 'POST', path: '/api/v1/cases/{caseId}/withdraw', permission: 'case:withdraw' },
  { method: 'POST', path: '/api/v1/cases/{caseId}/resubmission', permission: 'case:resubmit' },
  { method: 'POST', path: '/api/v1/cases/{caseId}/revenue-stamp', permission: 'payment:stamp' },
  { method: 'GET', path: '/api/v1/cases/{caseId}/notices', permission: 'case:read' },
  { method: 'GET', path: '/api/v1/review-tasks', permission: 'review:read' },
  { method: 'GET', path: '/api/v1/review-tasks/{taskId}', permission: 'review:read' },
  { method: 'POST', path: '/api/v1/review-tasks/{taskId}/claim', permission: 'review:claim' },
  { method: 'POST', path: '/api/v1/review-tasks/{taskId}/decision', permission: 'review:decide' },
  { method: 'GET', path: '/api/v1/payments/summary', permission: 'payment:summary' },
  { method: 'GET', path: '/api/v1/registrants', permission: 'registrant:read' },
  { method: 'GET', path: '/api/v1/registrants/{registrantId}', permission: 'registrant:read' },
  { method: 'GET', path: '/api/v1/licenses/{licenseNumber}/pdf', permission: 'license:read' },
  { method: 'GET', path: '/api/v1/registrants/{registrantId}/credential', permission: 'credential:issue' },
  { method: 'POST', path: '/api/v1/registrants/{registrantId}/holder-link', permission: 'credential:issue' },
  { method: 'POST', path: '/api/v1/dispositions', permission: 'disposition:propose' },
  { method: 'POST', path: '/api/v1/dispositions/{dispositionId}/hearing', permission: 'disposition:decide' },
  { method: 'GET', path: '/api/v1/dispositions/{dispositionId}', permission: 'case:read' },
  { method: 'POST', path: '/api/v1/reconciliations', permission: 'reconciliation:start' },
  { method: 'GET', path: '/api/v1/reconciliations/{runId}', permission: 'reconciliation:read' },
  { method: 'GET', path: '/api/v1/inquiry-records', permission: 'inquiry:read' },
  { method: 'GET', path: '/api/v1/audit/verify', permission: 'audit:verify' },
  { method: 'GET', path: '/api/v1/audit/findings', permission: 'audit:read' },
  { method: 'GET', path: '/api/v1/accounts', permission: 'account:manage' },
];
/** Open to every authenticated caller: the caller's own session. */
const SELF_SERVICE = ['POST /api/v1/auth/logout', 'GET /api/v1/auth/me', 'POST /api/v1/auth/password'];
/** Checked by their own tests: the codec endpoint (staff-only on top of the permission) and its sign-out (tests/integration/codec*.test.ts). */
const OWN_TESTS = ['POST /codec/encode', 'POST /codec/decode', 'POST /codec/logout'];

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, () => id());

describe('the role × endpoint matrix over real HTTP', () => {
  let api: TestApi;
  const tokens = new Map<Role, string>();
  beforeAll(async () => {
    // A task queue no worker polls: a reconciliation the supervisor's 202 starts never runs (its
    // run row is written by the workflow, so no other test sees it in progress) and is terminated.
    api = await startApi({ TEMPORAL_TASK_QUEUE: `matrix-${randomUUID()}` });
    for (const role of ROLES.filter((r) => r !== 'portal')) tokens.set(role, await loginAs(api.url, await newStaff(api.ctx, role)));
    const client = await newClient(api.ctx);
    tokens.set('portal', String((await call(api.url, 'POST', '/api/v1/auth/token', { body: client })).body.accessToken));
  });
  afterAll(() => api.close());

  it('when the OpenAPI document is read, then every bearer-protected route is in the matrix', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const listed = new Set([...ENDPOINTS.map((e) => `${e.method} ${e.path}`), ...SELF_SERVICE, ...OWN_TESTS]);
    const protectedRoutes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).filter(([, op]) => op.security?.length).map(([m]) => `${m.toUpperCase()} ${path}`));
    expect(protectedRoutes.filter((r) => !listed.has(r))).toEqual([]);
  });

  it.each(ROLES.flatMap((role) => ENDPOINTS.map((e) => [role, e.method, e.path, e.permission] as const)))(
    'when %s calls %s %s, then only a holder of %s gets past the permission check', async (role, method, path, permission) => {
      const r = await call(api.url, method, concrete(path), { token: tokens.get(role), body: method === 'POST' ? {} : undefined });
      if (r.status === 202 && path === '/api/v1/reconciliations') {
        await api.deps.temporal.workflow.getHandle(reconciliationWorkflowId(String(r.body.runId))).terminate('endpoint matrix test');
      }
      if (can(role, permission)) expect([401, 403]).not.toContain(r.status);
      else expect(r.status).toBe(403);
    });

  it('when a caller has no token or a forged one, then every route answers 401', async () => {
    for (const e of ENDPOINTS) {
      expect((await call(api.url, e.method, concrete(e.path), {})).status).toBe(401);
      expect((await call(api.url, e.method, concrete(e.path), { token: 'forged-token-0123456789abcdef' })).status).toBe(401);
    }
  });
});
