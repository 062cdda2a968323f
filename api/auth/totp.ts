/**
 * TOTP (RFC 6238 over RFC 4226 HOTP): SHA-1, 6 digits, 30 s — what every authenticator app
 * reads from an otpauth:// URI. Written on node:crypto instead of otplib 13 because otplib's
 * CommonJS build requires the ESM-only @scure/base and @noble/hashes: Node 20.19+ loads them,
 * but jest's module runtime cannot (and the jest config is not this module's to change). The
 * code is small, checked against the RFC 6238 test vectors and cross-checked with otplib
 * (tests/integration/auth-totp.test.ts).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PERIOD_S = 30;
const DIGITS = 6;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff; // only the pending bits matter
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + B32[(value << (5 - bits)) & 31] : out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error('not base32');
    value = ((value << 5) | v) & 0xffff; // only the pending bits matter; keeps the number small
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP of `counter`, `digits` long. */
export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(code).padStart(digits, '0');
}

export const timeStep = (epochSeconds: number): number => Math.floor(epochSeconds / PERIOD_S);

/** A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function totpCode(secret: string, epochSeconds = Date.now() / 1000): string {
  return hotp(base32Decode(secret), timeStep(epochSeconds));
}

/**
 * The time step a code matches within ±`window` steps of now, skipping steps ≤ `afterStep`
 * (each code is accepted once), or null.
 */
export function matchTotp(secret: string, code: string, afterStep: number | null, window = 1,
  epochSeconds = Date.now() / 1000): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const key = base32Decode(secret);
  const now = timeStep(epochSeconds);
  for (let step = now - window; step <= now + window; step++) {
    if (afterStep !== null && step <= afterStep) continue;
    if (timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code))) return step;
  }
  return null;
}

export function totpUri(issuer: string, account: string, secret: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  // encodeURIComponent, not URLSearchParams: some authenticator apps show a '+' literally.
  const q = Object.entries({ secret, issuer, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_S })
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `otpauth://totp/${label}?${q}`;
}
