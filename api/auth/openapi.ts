/** The auth routes in the OpenAPI document, and the bearer scheme every protected route uses. */
import { z } from 'zod';
import { ErrorBody, registry } from '../openapi';
import { AccountList, ClientTokenRequest, LoginRequest, Me, PasswordChangeRequest, TokenGrant } from './schemas';

export const bearerAuth = registry.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http', scheme: 'bearer', description: 'opaque token from /api/v1/auth/login or /api/v1/auth/token',
});
/** For other routes' registerPath: `security: BEARER`. */
export const BEARER = [{ [bearerAuth.name]: [] }];

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ErrorBody) });

registry.registerPath({
  method: 'post', path: '/api/v1/auth/login', tags: ['auth'],
  summary: 'Staff login: password and TOTP code; the same 401 whatever failed',
  request: { body: json(LoginRequest) },
  responses: { 200: { description: 'a token', ...json(TokenGrant) }, 400: error('malformed body'),
    401: error('refused (wrong credentials, locked or disabled; never says which)'), 429: error('too many attempts from this address') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/token', tags: ['auth'], summary: 'API client token (client credentials)',
  request: { body: json(ClientTokenRequest) },
  responses: { 200: { description: 'a token', ...json(TokenGrant) }, 401: error('refused'), 429: error('too many attempts') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/logout', tags: ['auth'], summary: 'Revokes the calling token at once', security: BEARER,
  responses: { 204: { description: 'revoked' }, 401: error('no valid token') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/auth/me', tags: ['auth'], summary: 'The caller, its role and permissions', security: BEARER,
  responses: { 200: { description: 'the caller', ...json(Me) }, 401: error('no valid token') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/password', tags: ['auth'], security: BEARER,
  summary: 'Replaces the caller’s password (e.g. the one-time one); ends the caller’s other sessions',
  request: { body: json(PasswordChangeRequest) },
  responses: { 204: { description: 'changed' }, 400: error('the new password is refused by the policy'),
    403: error('the current password is wrong') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/accounts', tags: ['auth'], security: BEARER,
  summary: 'Accounts and their login status (account:manage); no hashes or secrets',
  responses: { 200: { description: 'every account', ...json(AccountList) }, 403: error('the role lacks account:manage') },
});

/** The codec sign-in cookie (GET /codec/login): accepted by /codec only, from the Temporal UI's origin. */
export const codecSignIn = registry.registerComponent('securitySchemes', 'codecSignIn', {
  type: 'apiKey', in: 'cookie', name: 'kyusui_codec',
  description: 'set by POST /codec/session (HttpOnly, Path=/codec; `__Secure-kyusui_codec` when the codec is https); '
    + 'accepted only on JSON calls whose Origin is the Temporal UI',
});
/** For the codec routes: a bearer token or the codec sign-in. */
export const BEARER_OR_CODEC_SIGN_IN = [{ [bearerAuth.name]: [] }, { [codecSignIn.name]: [] }];

const CodecSession = registry.register('CodecSession', z.object({
  expiresAt: z.string().openapi({ format: 'date-time', description: 'the latest end of the sign-in (a working day)' }),
  idleTimeoutSeconds: z.number().int().openapi({ description: 'the sign-in ends earlier after this long without a codec call' }),
  passwordChangeRequired: z.boolean(),
}));

registry.registerPath({
  method: 'get', path: '/codec/login', tags: ['temporal'],
  summary: 'Staff sign-in page of the Temporal UI codec (HTML, Japanese and English): the form, or who is signed in and the UI setting',
  responses: { 200: { description: 'the page', content: { 'text/html': { schema: z.string() } } } },
});
registry.registerPath({
  method: 'post', path: '/codec/session', tags: ['temporal'],
  summary: 'Codec sign-in: the staff login’s checks (password, TOTP, lock, audit), answered with the cookie; never the token in the body',
  request: { body: { content: { 'application/json': { schema: LoginRequest }, 'application/x-www-form-urlencoded': { schema: LoginRequest } } } },
  responses: {
    200: { description: 'signed in (JSON request); `Set-Cookie: kyusui_codec=…; HttpOnly; Path=/codec; SameSite=…`', ...json(CodecSession) },
    303: { description: 'signed in (form post of the page): back to /codec/login' },
    401: error('refused (wrong credentials, locked or disabled; never says which)'),
    403: error('posted from a foreign origin'), 429: error('too many attempts from this address'),
  },
});
registry.registerPath({
  method: 'post', path: '/codec/logout', tags: ['temporal'], security: [{ [codecSignIn.name]: [] }],
  summary: 'Ends the codec sign-in at once (revoked server-side) and clears the cookie',
  responses: { 204: { description: 'signed out (JSON request)' }, 303: { description: 'signed out (form post): back to /codec/login' },
    403: error('posted from a foreign origin') },
});
