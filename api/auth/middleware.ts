/**
 * `authenticate` turns `Authorization: Bearer <token>` into `res.locals.actor`; `requirePermission`
 * checks it against the role table (common/permissions.ts). Routes use them like:
 *
 *   router.post('/api/v1/cases', requirePermission('case:create'), handler)
 *   // in the handler: const actor = actorOf(res);
 *
 * `mountAuth` (index.ts) already runs `authenticate` for every /api/v1 path that is not public,
 * so a route only adds `requirePermission`. The token is looked up on every request: see tokens.ts.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Sequelize } from 'sequelize';
import { can, type Permission } from '../../common/permissions';
import { AuditLog } from '../../db/audit';
import { AppError } from '../errors';
import { CODEC_TOKEN_PREFIX, sha256Hex } from './secrets';
import { resolveToken, type Actor } from './tokens';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augmenting express's own namespace
  namespace Express {
    interface Locals {
      /** The authenticated caller; set by `authenticate`. */
      actor?: Actor;
      /** SHA-256 of the caller's token (logout, password change); the token itself is not kept. */
      accessTokenHash?: string;
      /** Where refusals of an authenticated caller are recorded (R6.7: 403 bursts are analysed). */
      auditLog?: AuditLog;
    }
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,200})$/;

export function authenticate(deps: { db: Sequelize }): RequestHandler {
  const auditLog = new AuditLog(deps.db, deps.db.getDatabaseName());
  return async (req, res, next) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(new AppError('UNAUTHENTICATED', 'a bearer token is required'));
    }
    // A codec sign-in (cookie) is for /codec only: never a key to the rest of the API.
    if (match[1].startsWith(CODEC_TOKEN_PREFIX)) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(new AppError('UNAUTHENTICATED', 'a codec sign-in is not an API token'));
    }
    const tokenHash = sha256Hex(match[1]);
    const t0 = performance.now();
    const actor = await resolveToken(deps.db, tokenHash);
    res.locals.authMs = performance.now() - t0; // Server-Timing's `auth`
    if (!actor) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(new AppError('UNAUTHENTICATED', 'the token is invalid, expired or revoked'));
    }
    res.locals.actor = actor;
    res.locals.accessTokenHash = tokenHash;
    res.locals.auditLog = auditLog;
    next();
  };
}

/**
 * Records a refusal of an authenticated caller in the audit log and returns the 403 to answer.
 * The route pattern is recorded, not the URL: a query string may carry personal data.
 */
export async function auditedForbidden(req: Request, res: Response, permission: string, message: string): Promise<AppError> {
  const actor = res.locals.actor;
  await res.locals.auditLog?.append({
    actor: actor?.username ?? 'anonymous', action: 'access.forbidden', purpose: 'access control (R6.6)',
    targetType: 'permission', targetId: permission.slice(0, 64), outcome: 'denied',
    detail: { method: req.method, route: `${req.baseUrl}${req.route?.path ?? req.path}`.slice(0, 200), role: actor?.role, ip: req.ip },
  });
  return new AppError('FORBIDDEN', message, { permission });
}

/** 403 unless the authenticated caller's role holds `permission`; every refusal is audited. */
export function requirePermission(permission: Permission): RequestHandler {
  return async (req, res, next) => {
    const actor = res.locals.actor;
    if (!actor) return next(new AppError('UNAUTHENTICATED', 'a bearer token is required'));
    if (!can(actor.role, permission)) {
      return next(await auditedForbidden(req, res, permission, `the role ${actor.role} may not do this`));
    }
    next();
  };
}

/** The caller of an authenticated route (a programming error if authenticate did not run). */
export function actorOf(res: Response): Actor {
  const actor = res.locals.actor;
  if (!actor) throw new Error('actorOf: authenticate did not run for this route');
  return actor;
}
