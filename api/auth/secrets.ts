/**
 * The cryptography of accounts, in one place so it can be reviewed at once:
 * - passwords and client secrets: argon2id (OWASP parameters m=19 MiB, t=2, p=1 as a floor);
 * - bearer tokens: 32 random bytes, only their SHA-256 is stored (a stolen table is useless);
 * - TOTP secrets: AES-256-GCM under a key derived by HKDF from MYNUMBER_INDEX_KEY with its own
 *   label, because the secret must be decrypted to check a code and common/config.ts has no
 *   key of its own for it. The additional data binds the ciphertext to its account, so a secret
 *   copied onto another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import * as argon2 from 'argon2';
import { matchTotp, newTotpSecret as newSecret, totpUri as uri } from './totp';

const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** NFKC so that a password typed with a Japanese IME's full-width digits matches its half-width form. */
export const normalizeSecret = (s: string): string => s.normalize('NFKC');

export function hashSecret(secret: string): Promise<string> {
  return argon2.hash(normalizeSecret(secret), ARGON2);
}

export async function verifySecret(hash: string, secret: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, normalizeSecret(secret));
  } catch {
    return false; // a malformed hash is a failed login, not a 500
  }
}

let dummyHash: Promise<string> | undefined;
/** Spends the time of one verification, so an unknown username answers as slowly as a known one. */
export async function burnVerification(secret: string): Promise<void> {
  dummyHash ??= hashSecret(randomBytes(16).toString('hex'));
  await verifySecret(await dummyHash, secret);
}

/** Prefixes let secret scanners recognise a leaked token, and tell an API token from a codec sign-in. */
export const TOKEN_PREFIX = 'kys_';
/** A sign-in of the Temporal UI's codec (cookie): valid on /codec only, never as a bearer token. */
export const CODEC_TOKEN_PREFIX = 'kyc_';

export function newOpaqueToken(prefix = TOKEN_PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

// No 0/O, 1/l/I: one-time passwords are read off a screen and typed by a person.
const READABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time password: 20 characters from 56 (~116 bits), well past the policy's floor. */
export function newOneTimePassword(): string {
  return Array.from({ length: 20 }, () => READABLE[randomInt(READABLE.length)]).join('');
}

export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

// --- TOTP second factor (totp.ts) ---

export const TOTP_ISSUER = 'Kyusui-MLIT';

export const newTotpSecret = (): string => newSecret();

export const totpUri = (username: string, secret: string): string => uri(TOTP_ISSUER, username, secret);

/**
 * The accepted time step, or null. One step either side (phone clocks drift); `afterStep`
 * refuses a code whose step was already used (replay).
 */
export function checkTotp(secret: string, code: string, afterStep: number | null): number | null {
  try {
    return matchTotp(secret, code, afterStep);
  } catch {
    return null;
  }
}

export function totpKey(indexKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', indexKey, Buffer.alloc(0), 'totp-secret', 32));
}

export function encryptTotpSecret(key: Buffer, accountId: string, secret: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`staff_accounts.totp_secret_enc:${accountId}`));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

export function decryptTotpSecret(key: Buffer, accountId: string, blob: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  decipher.setAAD(Buffer.from(`staff_accounts.totp_secret_enc:${accountId}`));
  decipher.setAuthTag(blob.subarray(12, 28));
  return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
}
