/** The auth routes in the OpenAPI document, and the bearer scheme every protected route uses. */
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
