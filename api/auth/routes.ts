/** The auth routes, kept thin: parse, call a function of sessions.ts / accounts.ts, answer. */
import { Router, type Request, type Response } from 'express';
import { permissionsOf } from '../../common/permissions';
import type { AccountsContext } from './accounts';
import { listAccounts } from './accounts-repo';
import { actorOf, requirePermission } from './middleware';
import { ClientTokenRequest, LoginRequest, PasswordChangeRequest, parseBody } from './schemas';
import { changePassword, issueClientToken, loginStaff, logout } from './sessions';
import type { RequestHandler } from 'express';
import './openapi';

const ipOf = (req: Request): string => req.ip ?? 'unknown';

/** Login and client token: reachable without a token, behind the per-IP limit. */
export function publicAuthRoutes(ctx: AccountsContext, limiter: RequestHandler): Router {
  const r = Router();
  r.post('/api/v1/auth/login', limiter, async (req, res) => {
    const body = parseBody(LoginRequest, req.body);
    res.json(await loginStaff(ctx, { ...body, ip: ipOf(req) }));
  });
  r.post('/api/v1/auth/token', limiter, async (req, res) => {
    const body = parseBody(ClientTokenRequest, req.body);
    res.json(await issueClientToken(ctx, { ...body, ip: ipOf(req) }));
  });
  return r;
}

const tokenHashOf = (res: Response): string => res.locals.accessTokenHash ?? '';

/** Routes for an authenticated caller (mounted after `authenticate`). */
export function protectedAuthRoutes(ctx: AccountsContext, limiter: RequestHandler): Router {
  const r = Router();
  r.post('/api/v1/auth/logout', async (req, res) => {
    await logout(ctx, actorOf(res), tokenHashOf(res), ipOf(req));
    res.status(204).end();
  });
  r.get('/api/v1/auth/me', (_req, res) => {
    const { username, role, kind } = actorOf(res);
    res.json({ username, role, kind, permissions: permissionsOf(role) });
  });
  r.post('/api/v1/auth/password', limiter, async (req, res) => {
    const body = parseBody(PasswordChangeRequest, req.body);
    await changePassword(ctx, actorOf(res), body, tokenHashOf(res), ipOf(req));
    res.status(204).end();
  });
  r.get('/api/v1/accounts', requirePermission('account:manage'), async (_req, res) => {
    res.json({ items: await listAccounts(ctx.db) });
  });
  return r;
}
