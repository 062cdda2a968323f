/**
 * Staff sign-in for the Temporal UI's codec (issue #5). The UI sends no bearer token (it has no
 * SSO here), so a person signs in once on `GET /codec/login` and the browser then holds a cookie
 * that the UI's codec calls carry (with the UI's "include cross-origin credentials" setting).
 * - The sign-in is `loginStaff` with `via: 'codec'` (sessions.ts): the same account checks,
 *   password, TOTP, lock and audit entries as the API login, behind the same per-IP limiter.
 * - The cookie holds an opaque token of the ordinary token table (prefix `kyc_`), so every request
 *   checks it against the account: a disabled account, a sign-out or 30 minutes idle end it at
 *   the next request. The prefix confines it: /codec takes it only as the cookie, and the bearer
 *   middleware refuses it everywhere (middleware.ts).
 * - Cookie: HttpOnly, Path=/codec, Max-Age of the idle timeout (renewed by each codec call),
 *   Secure when the codec endpoint is https, SameSite per codecCookiePolicy.
 * - CSRF: a call authenticated by the cookie must come from the UI's origin with a JSON body
 *   (which a foreign page cannot send without a preflight that CORS refuses); sign-in and
 *   sign-out accept no foreign Origin.
 */
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import { can } from '../../common/permissions';
import { AuditLog } from '../../db/audit';
import { AppError } from '../errors';
import type { AccountsContext } from './accounts';
import { renderCodecLoginPage, type CodecLoginView } from './codec-login-page';
import { authenticate } from './middleware';
import { LoginRequest, parseBody } from './schemas';
import { CODEC_TOKEN_PREFIX, sha256Hex } from './secrets';
import { loginStaff, logout } from './sessions';
import { STAFF_IDLE_TIMEOUT_MS, resolveToken, type Actor } from './tokens';

const CODEC_PATH = '/codec';
const IDLE_S = STAFF_IDLE_TIMEOUT_MS / 1000;

/** The codec endpoint as browsers reach it (TEMPORAL_UI_CODEC_ENDPOINT, else this API on 127.0.0.1). */
export const codecEndpointOf = (c: Pick<Config, 'TEMPORAL_UI_CODEC_ENDPOINT' | 'PORT'>): string =>
  (c.TEMPORAL_UI_CODEC_ENDPOINT ?? `http://127.0.0.1:${c.PORT}${CODEC_PATH}`).replace(/\/$/, '');

export interface CodecCookiePolicy { name: string; sameSite: 'Strict' | 'None'; secure: boolean; problem?: string }

/**
 * SameSite=Strict when the UI and the codec are on one site — same scheme and host; ports do not
 * count, and 127.0.0.1 and localhost are different sites. Otherwise the UI's calls are cross-site
 * and only SameSite=None (which browsers accept with Secure only) is sent. Two hosts under one
 * registrable domain are same-site too, but telling that needs the Public Suffix List; None works
 * there as well, and the CSRF checks here never rely on SameSite.
 */
export function codecCookiePolicy(c: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_CODEC_ENDPOINT' | 'PORT'>): CodecCookiePolicy {
  const ui = new URL(c.TEMPORAL_UI_URL);
  const codec = new URL(codecEndpointOf(c));
  const https = codec.protocol === 'https:';
  const name = https ? '__Secure-kyusui_codec' : 'kyusui_codec'; // __Secure-: no http page can overwrite it
  if (ui.protocol === codec.protocol && ui.hostname === codec.hostname) return { name, sameSite: 'Strict', secure: https };
  return {
    name: '__Secure-kyusui_codec', sameSite: 'None', secure: true,
    problem: https ? undefined : `The Temporal UI (${ui.origin}) and the codec (${codec.origin}) are on different sites and the codec is not https: `
      + 'browsers will not keep the sign-in cookie. Serve both from one host, or the codec over https (TEMPORAL_UI_CODEC_ENDPOINT).',
  };
}

const cookie = (p: CodecCookiePolicy, value: string, maxAgeS: number): string =>
  `${p.name}=${value}; Path=${CODEC_PATH}; Max-Age=${maxAgeS}; HttpOnly; SameSite=${p.sameSite}${p.secure ? '; Secure' : ''}`;

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

interface Session { actor: Actor; tokenHash: string }

/** The live codec sign-in this request carries, or null (none, ended, or not a codec token). */
async function sessionOf(db: Sequelize, req: Request, p: CodecCookiePolicy): Promise<Session | null> {
  const token = readCookie(req, p.name);
  if (!token?.startsWith(CODEC_TOKEN_PREFIX) || token.length > 200) return null;
  const tokenHash = sha256Hex(token);
  const actor = await resolveToken(db, tokenHash);
  return actor ? { actor, tokenHash } : null;
}

/**
 * Authentication of the codec routes: a bearer token exactly as before, else the sign-in cookie
 * (from the UI's origin, JSON only). Sets the same `res.locals` as `authenticate`.
 */
export function authenticateCodecCaller(deps: { db: Sequelize; config: Config }): RequestHandler {
  const bearer = authenticate(deps);
  const policy = codecCookiePolicy(deps.config);
  const uiOrigin = new URL(deps.config.TEMPORAL_UI_URL).origin;
  const auditLog = new AuditLog(deps.db, deps.db.getDatabaseName());
  return async (req, res, next) => {
    if (req.get('authorization') || readCookie(req, policy.name) === undefined) return bearer(req, res, next);
    if (req.get('origin') !== uiOrigin || !req.is('application/json')) {
      return next(new AppError('FORBIDDEN', 'the codec sign-in is accepted only on JSON calls from the Temporal UI'));
    }
    const session = await sessionOf(deps.db, req, policy);
    if (!session) {
      res.append('Set-Cookie', cookie(policy, '', 0));
      return next(new AppError('UNAUTHENTICATED', 'the codec sign-in has ended; sign in again at /codec/login'));
    }
    res.locals.actor = session.actor;
    res.locals.accessTokenHash = session.tokenHash;
    res.locals.auditLog = auditLog;
    res.append('Set-Cookie', cookie(policy, readCookie(req, policy.name)!, IDLE_S)); // the idle clock restarts here too
    next();
  };
}

const ipOf = (req: Request): string => req.ip ?? 'unknown';
const isForm = (req: Request): boolean => !!req.is('application/x-www-form-urlencoded');

/** Sign-in and sign-out are posted by our own page only: a foreign Origin is refused (login CSRF). */
function ownOriginOnly(codecEndpoint: string): RequestHandler {
  const configured = new URL(codecEndpoint).origin;
  return (req, _res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || origin === configured || origin === `${req.protocol}://${req.get('host')}`) return next();
    next(new AppError('FORBIDDEN', 'sign in on the codec’s own page'));
  };
}

export interface CodecSessionDeps { config: Config; logger?: Logger }

/** `GET /codec/login`, `POST /codec/session` (behind `limiter`), `POST /codec/logout`. */
export function codecSessionRoutes(ctx: AccountsContext, limiter: RequestHandler, deps: CodecSessionDeps): Router {
  const policy = codecCookiePolicy(deps.config);
  if (policy.problem) deps.logger?.warn(policy.problem);
  const base: Omit<CodecLoginView, 'signedIn' | 'error'> = { uiUrl: deps.config.TEMPORAL_UI_URL,
    codecEndpoint: codecEndpointOf(deps.config), namespace: deps.config.TEMPORAL_NAMESPACE, configProblem: policy.problem };
  const page = (res: Response, status: number, view: Partial<CodecLoginView>) => {
    const nonce = randomBytes(16).toString('base64');
    res.status(status).set({
      'Content-Type': 'text/html; charset=utf-8', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'same-origin', // no-referrer would make the form's Origin "null"
      'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    }).send(renderCodecLoginPage({ ...base, ...view }, nonce));
  };
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const sameOrigin = ownOriginOnly(base.codecEndpoint);
  const r = Router();

  r.get(`${CODEC_PATH}/login`, async (req, res) => {
    const s = await sessionOf(ctx.db, req, policy);
    if (!s && readCookie(req, policy.name) !== undefined) res.append('Set-Cookie', cookie(policy, '', 0));
    page(res, 200, s ? { signedIn: { username: s.actor.username, role: s.actor.role, canDecode: can(s.actor.role, 'case:read') } } : {});
  });

  r.post(`${CODEC_PATH}/session`, sameOrigin, limiter, form, async (req, res) => {
    const body = parseBody(LoginRequest, req.body);
    const grant = await loginStaff(ctx, { ...body, otp: body.otp || undefined, ip: ipOf(req), via: 'codec' });
    res.append('Set-Cookie', cookie(policy, grant.accessToken, IDLE_S));
    if (isForm(req)) return res.redirect(303, `${CODEC_PATH}/login`);
    // The token itself stays in the HttpOnly cookie: no script ever sees it.
    res.json({ expiresAt: grant.expiresAt, idleTimeoutSeconds: IDLE_S, passwordChangeRequired: grant.passwordChangeRequired });
  });

  r.post(`${CODEC_PATH}/logout`, sameOrigin, form, async (req, res) => {
    const s = await sessionOf(ctx.db, req, policy);
    if (s) await logout(ctx, s.actor, s.tokenHash, ipOf(req), 'codec');
    res.append('Set-Cookie', cookie(policy, '', 0));
    if (isForm(req)) return res.redirect(303, `${CODEC_PATH}/login`);
    res.status(204).end();
  });

  // A refused form post shows the page again with the message; JSON callers get the usual error body.
  const formErrors: ErrorRequestHandler = (err, req, res, next) => {
    if (!isForm(req) || !(err instanceof AppError)) return next(err);
    page(res, err.status, { error: err.message });
  };
  r.use(`${CODEC_PATH}/session`, formErrors);
  r.use(`${CODEC_PATH}/logout`, formErrors);
  return r;
}
