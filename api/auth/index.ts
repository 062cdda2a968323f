/**
 * Staff accounts, API clients and tokens (R6.5, R6.6). `mountAuth(app, deps)` is called by
 * api/app.ts BEFORE any /api/v1 router, so every /api/v1 request is authenticated unless it is
 * one of PUBLIC_ROUTES; routes then state their permission with `requirePermission(…)`.
 */
import type { Express, Request } from 'express';
import type { ApiDeps } from '../deps';
import { accountsContext } from './accounts';
import { codecSessionRoutes } from './codec-session';
import { authenticate } from './middleware';
import { LOGIN_RATE_LIMIT, rateLimit, type RateLimitOptions } from './rate-limit';
import { protectedAuthRoutes, publicAuthRoutes } from './routes';

export { actorOf, authenticate, requirePermission } from './middleware';
export { authenticateCodecCaller } from './codec-session';
export type { Actor } from './tokens';
export { BEARER } from './openapi';

/**
 * The only /api/v1 calls without a bearer token (method + exact path). The payment webhook is
 * called by the gateway, which authenticates with the HMAC in `X-Signature` instead
 * (api-contract "Payment"); it must verify that signature itself.
 */
export const PUBLIC_ROUTES: readonly string[] = [
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/token',
  'POST /api/v1/verify',
  // The holder page: authenticated by the holder link's token, checked by the route (api/routes/credentials.ts).
  'GET /api/v1/holder/credential',
  'POST /api/v1/payments/webhook',
];

const isPublic = (req: Request) => PUBLIC_ROUTES.includes(`${req.method} ${req.baseUrl}${req.path}`);

export interface MountAuthOptions {
  /** Per-IP limit of login, token and password-change attempts. */
  rateLimit?: RateLimitOptions;
}

export function mountAuth(app: Express, deps: Pick<ApiDeps, 'config' | 'db'> & Partial<Pick<ApiDeps, 'logger'>>,
  opts: MountAuthOptions = {}): void {
  const ctx = accountsContext(deps.config, deps.db);
  const limiter = rateLimit(opts.rateLimit ?? LOGIN_RATE_LIMIT);
  const auth = authenticate(deps);
  app.use(publicAuthRoutes(ctx, limiter));
  // The Temporal UI codec's own sign-in page (a cookie for /codec only), on the same limiter.
  app.use(codecSessionRoutes(ctx, limiter, deps));
  // Unknown /api/v1 paths also answer 401 to a caller without a token: no route map for strangers.
  app.use('/api/v1', (req, res, next) => (isPublic(req) ? next() : auth(req, res, next)));
  app.use(protectedAuthRoutes(ctx, limiter));
}
