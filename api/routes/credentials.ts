/**
 * The digital credential over HTTP (api-contract "Digital credential"; issue #7). Thin: parse,
 * call credential/service.ts, answer.
 * - Public, no cookies, nothing personal in a URL: POST /api/v1/verify (rate-limited; the
 *   credential travels in the body), GET /.well-known/jwks.json, GET /status-lists/1, the
 *   verifier page /v and its script, the holder page /h (its data needs the holder's token).
 * - GET /api/v1/registrants/{id}/credential and POST …/holder-link: credential:issue.
 * - GET /api/v1/holder/credential: the holder page, with the holder link's token as bearer.
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors';
import { ErrorBody, registry } from '../openapi';
import type { ApiDeps } from '../deps';
import { BEARER, actorOf, requirePermission } from '../auth';
import { rateLimit, type RateLimitOptions } from '../auth/rate-limit';
import { parseBody } from '../auth/schemas';
import {
  CredentialError, PROFILES, createHolderLink, credentialContext, holderCredential, issueCredential, jwks, verifyCredential,
  type CredentialContext,
} from '../../credential/service';
import { STATUS_LIST_ID } from '../../credential/status-list';
import { webPage, webScript, type WebEntry } from '../../credential/web/bundle';

/** Verifiers at a counter check a few people a minute; a scraper or a brute-forcer is slowed down. */
export const VERIFY_RATE_LIMIT: RateLimitOptions = { capacity: 60, refillPerMinute: 60 };

const VerifyRequest = registry.register('VerifyRequest', z.object({
  credential: z.string().min(1).max(4096)
    .openapi({ description: 'the credential (base64url), or the text of its QR code (the verifier URL with the credential in the fragment)' }),
}));
const License = registry.register('CredentialLicense', z.object({
  qualification: z.string(), issuer: z.string(), licenseNumber: z.string(), nameKanji: z.string(),
  issueDate: z.string().openapi({ format: 'date' }), edition: z.number().int(),
  birthDate: z.string().openapi({ format: 'date' }).optional(), expiresAt: z.string().openapi({ format: 'date-time' }),
}));
const VerifyResponse = registry.register('VerifyResponse', z.object({
  valid: z.boolean(),
  reason: z.enum(['取消', '停止中', '再交付', '死亡等', '期限切れ', '署名不正']).optional(),
  license: License.optional().openapi({ description: 'when valid, or when refused for a reason other than 署名不正' }),
}));
const IssuedCredential = registry.register('IssuedCredential', z.object({
  credential: z.string().openapi({ description: 'CWT in a COSE_Sign1 (ES256), base64url' }),
  qrUrl: z.string().openapi({ description: 'the QR code content: the verifier page with the credential in the fragment' }),
  expiresAt: z.string().openapi({ format: 'date-time' }),
}));
const ProfileQuery = z.object({ profile: z.enum(PROFILES).default('standard') });
const RegistrantParams = z.object({ registrantId: z.string().regex(/^[A-Za-z0-9-]{1,36}$/) });
const HolderLink = registry.register('HolderLink', z.object({ holderUrl: z.string(), expiresAt: z.string() }));

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });
registry.registerPath({ method: 'post', path: '/api/v1/verify', tags: ['credential'], summary: 'Verify a credential (public)',
  request: { body: json(VerifyRequest) },
  responses: { 200: { description: 'the answer', ...json(VerifyResponse) }, 400: error('malformed body'), 429: error('rate limited') } });
registry.registerPath({ method: 'get', path: '/api/v1/registrants/{registrantId}/credential', tags: ['credential'], security: BEARER,
  summary: 'Issue a credential for an active license (credential:issue)', request: { params: RegistrantParams, query: ProfileQuery },
  responses: { 200: { description: 'a new credential', ...json(IssuedCredential) }, 404: error('unknown registrant'),
    409: error('the license is not active') } });
registry.registerPath({ method: 'post', path: '/api/v1/registrants/{registrantId}/holder-link', tags: ['credential'], security: BEARER,
  summary: 'A link to the holder page for this registrant (credential:issue; the portal, after the holder consented)',
  request: { params: RegistrantParams }, responses: { 201: { description: 'the link', ...json(HolderLink) } } });
registry.registerPath({ method: 'get', path: '/api/v1/holder/credential', tags: ['credential'],
  summary: 'The holder page’s credential; bearer = the holder link token', request: { query: ProfileQuery },
  responses: { 200: { description: 'a new credential', ...json(IssuedCredential) }, 401: error('no valid holder token') } });
registry.registerPath({ method: 'get', path: '/.well-known/jwks.json', tags: ['credential'], summary: 'Public keys (ES256) of credentials and status lists',
  responses: { 200: { description: 'JWKS' } } });
registry.registerPath({ method: 'get', path: '/status-lists/1', tags: ['credential'],
  summary: 'The signed status list (application/statuslist+cwt), rebuilt every minute', responses: { 200: { description: 'COSE_Sign1 bytes' } } });

const parse = <T extends z.ZodType>(schema: T, value: unknown): z.infer<T> => {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError('VALIDATION_FAILED', 'the request is invalid', { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
};

const ERROR_CODES = { NOT_FOUND: 'NOT_FOUND', NOT_ACTIVE: 'CONFLICT', UNAVAILABLE: 'UNAVAILABLE' } as const;

/** Turns CredentialError into the contract's errors; others go to the one error handler. */
const handle = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req, res, next: NextFunction) => {
  fn(req, res).catch((err: unknown) => next(err instanceof CredentialError ? new AppError(ERROR_CODES[err.code], err.message) : err));
};

/** Pages and scripts: no cookies, same-origin only, revalidated on every load (the service worker keeps an offline copy). */
function pageHeaders(res: Response): void {
  res.set({
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
      + "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': 'camera=(self)',
  });
}

function pageRoutes(r: Router): void {
  const page = (path: string, name: 'verifier' | 'holder') => r.get(path, (_req, res) => {
    pageHeaders(res);
    res.type('html').send(webPage(name));
  });
  const script = (path: string, entry: WebEntry) => r.get(path, handle(async (_req, res) => {
    pageHeaders(res);
    res.type('application/javascript').send(await webScript(entry));
  }));
  page('/v', 'verifier');
  page('/h', 'holder');
  script('/v/app.js', 'verifier');
  script('/h/app.js', 'holder');
  script('/credential-sw.js', 'sw');
}

export function credentialRoutes(deps: Pick<ApiDeps, 'config' | 'db'>, opts: { verifyRateLimit?: RateLimitOptions; ctx?: CredentialContext } = {}): Router {
  const ctx = opts.ctx ?? credentialContext(deps.config, deps.db);
  const r = Router();
  pageRoutes(r);

  r.get('/.well-known/jwks.json', handle(async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(jwks(ctx));
  }));
  r.get(`/status-lists/${STATUS_LIST_ID}`, handle(async (_req, res) => {
    const list = await ctx.statusList();
    res.set('Cache-Control', `public, max-age=${deps.config.CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS}`)
      .type('application/statuslist+cwt').send(Buffer.from(list.bytes));
  }));

  r.post('/api/v1/verify', rateLimit(opts.verifyRateLimit ?? VERIFY_RATE_LIMIT), handle(async (req, res) => {
    const { credential } = parseBody(VerifyRequest, req.body);
    res.json(await verifyCredential(ctx, credential));
  }));

  r.get('/api/v1/registrants/:registrantId/credential', requirePermission('credential:issue'), handle(async (req, res) => {
    const { registrantId } = parse(RegistrantParams, req.params);
    const { profile } = parse(ProfileQuery, req.query);
    const issued = await issueCredential(ctx, { registrantId, profile, purpose: 'holder', actor: actorOf(res).username });
    res.json({ credential: issued.credential, qrUrl: issued.qrUrl, expiresAt: issued.expiresAt });
  }));
  r.post('/api/v1/registrants/:registrantId/holder-link', requirePermission('credential:issue'), handle(async (req, res) => {
    const { registrantId } = parse(RegistrantParams, req.params);
    res.status(201).json(await createHolderLink(ctx, { registrantId, actor: actorOf(res).username }));
  }));

  r.get('/api/v1/holder/credential', handle(async (req, res) => {
    const token = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(req.get('authorization') ?? '')?.[1];
    const { profile } = parse(ProfileQuery, req.query);
    const issued = token ? await holderCredential(ctx, token, profile) : null;
    if (!issued) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new AppError('UNAUTHENTICATED', 'the holder link is invalid, expired or revoked');
    }
    res.json({ credential: issued.credential, qrUrl: issued.qrUrl, expiresAt: issued.expiresAt });
  }));
  return r;
}
