/**
 * Request and response shapes of the auth routes: they validate requests and generate the
 * OpenAPI document (openapi.ts here), so the two cannot drift. Upper bounds on secrets keep a
 * megabyte "password" from reaching argon2.
 */
import { z } from 'zod';
import { registry } from '../openapi';
import { ROLES } from '../../common/permissions';
import { AppError } from '../errors';

export const LoginRequest = registry.register('LoginRequest', z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  otp: z.string().max(16).optional().openapi({ description: 'TOTP code (6 digits); required for every staff role' }),
}));

export const ClientTokenRequest = registry.register('ClientTokenRequest', z.object({
  clientId: z.string().min(1).max(64),
  clientSecret: z.string().min(1).max(256),
}));

export const TokenGrant = registry.register('TokenGrant', z.object({
  accessToken: z.string().openapi({ description: 'opaque bearer token; send as `Authorization: Bearer …`' }),
  expiresAt: z.string().openapi({ format: 'date-time' }),
  passwordChangeRequired: z.boolean().optional()
    .openapi({ description: 'true while the one-time password from the admin command is still in use' }),
}));

export const PasswordChangeRequest = registry.register('PasswordChangeRequest', z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024)
    .openapi({ description: '12-128 characters, not a common password, not containing the username; no composition rules' }),
}));

export const Me = registry.register('Me', z.object({
  username: z.string(),
  role: z.enum(ROLES),
  kind: z.enum(['staff', 'client']),
  permissions: z.array(z.string()),
}));

export const AccountList = registry.register('AccountList', z.object({
  items: z.array(z.object({
    username: z.string(), displayName: z.string().nullable(), role: z.string(), kind: z.enum(['staff', 'client']),
    status: z.enum(['active', 'disabled']), failedCount: z.number().int(), lockedUntil: z.string().nullable(),
    lastLoginAt: z.string().nullable(), passwordChangedAt: z.string(), createdAt: z.string(),
  })),
}));

/** Parses a body or throws the contract's 400; the issues name fields, never echo values. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw new AppError('VALIDATION_FAILED', 'the request body is invalid',
      { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}
