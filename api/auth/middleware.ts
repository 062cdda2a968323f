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
import type { RequestHandler, Response } from 'express';
import type { Sequelize } from 'sequelize';
import { can, type Permission } from '../../common/permissions';
import { AppError } from '../errors';
import { sha256Hex } from './secrets';
import { resolveToken, type Actor } from './tokens';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augmenting express's own namespace
  namespace Express {
    interface Locals {
      /** The authenticated caller; set by `authenticate`. */
      actor?: Actor;
      /** SHA-256 of the caller's token (logout, password change); the token itself is not kept. */
      accessTokenHash?: string;
    }
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,200})$/;

export function authenticate(deps: { db: Sequelize }): RequestHandler {
  return async (req, res, next) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(new AppError('UNAUTHENTICATED', 'a bearer token is required'));
    }
    const tokenHash = sha256Hex(match[1]);
    const actor = await resolveToken(deps.db, tokenHash);
    if (!actor) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(new AppError('UNAUTHENTICATED', 'the token is invalid, expired or revoked'));
    }
    res.locals.actor = actor;
    res.locals.accessTokenHash = tokenHash;
    next();
  };
}

/** 403 unless the authenticated caller's role holds `permission`. */
export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const actor = res.locals.actor;
    if (!actor) return next(new AppError('UNAUTHENTICATED', 'a bearer token is required'));
    if (!can(actor.role, permission)) {
      return next(new AppError('FORBIDDEN', `the role ${actor.role} may not do this`, { permission }));
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
