/**
 * Verification that needs no server: signature (ES256 against the published key set), claims,
 * expiry, and the answer from a signed status list. Runs unchanged in Node (the online endpoint
 * and the tests) and in the browser verifier (WebCrypto), so both say the same thing.
 */
import type { webcrypto } from 'node:crypto';
import { CLAIM, ES256, HEADER, LIST_CLAIM, STATUS_LIST_TYP, parseClaims, parseSign1, toBeSigned, toHex, type CborMap } from './codec';

type Subtle = webcrypto.SubtleCrypto;

/** Why a credential is refused: the words the verifier page shows (api-contract "Digital credential"). */
export type Reason = '取消' | '停止中' | '再交付' | '死亡等' | '期限切れ' | '署名不正';
/** What the registry says about the license a credential belongs to. */
export type RegistryStatus = 'valid' | '取消' | '停止中' | '再交付' | '死亡等';

/** Codes in the status list (4 bits per index); 0 is also every unused index (herd privacy). */
export const STATUS_CODES: readonly RegistryStatus[] = ['valid', '取消', '停止中', '再交付', '死亡等'];
/** A verifier never says 有効です on a status list older than this. */
export const STATUS_LIST_MAX_AGE_MS = 24 * 3600 * 1000;

export interface Jwk { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' }
export interface Jwks { keys: Jwk[] }

/** The license as the credential states it; shown to the verifier. */
export interface LicenseClaims {
  issuer: string;
  credentialId: string;
  licenseNumber: string;
  nameKanji: string;
  issueDate: string;
  edition: number;
  birthDate?: string;
  issuedAt: string;
  expiresAt: string;
  status: { list: number; index: number };
}

export type Checked = { ok: false } | { ok: true; kid: string; claims: LicenseClaims; expired: boolean };

const subtle = (): Subtle => (globalThis.crypto as unknown as { subtle: Subtle }).subtle;
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const isoDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
const uint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Verifies a COSE_Sign1 against the key set; the protected header must say ES256 and name a known key. */
export async function verifySign1(bytes: Uint8Array, jwks: Jwks, typ?: string): Promise<{ kid: string; payload: Uint8Array } | null> {
  const sign1 = parseSign1(bytes);
  if (!sign1) return null;
  const { headers } = sign1;
  const kidBytes = headers.get(HEADER.kid);
  if (headers.get(HEADER.alg) !== ES256 || !(kidBytes instanceof Uint8Array)) return null;
  if (headers.get(HEADER.typ) !== typ) return null;
  let kid: string;
  try {
    kid = textDecoder.decode(kidBytes);
  } catch {
    return null;
  }
  const jwk = jwks.keys.find((k) => k.kid === kid && k.kty === 'EC' && k.crv === 'P-256');
  if (!jwk) return null;
  try {
    const key = await subtle().importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const ok = await subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sign1.signature,
      toBeSigned(sign1.protectedBytes, sign1.payload));
    return ok ? { kid, payload: sign1.payload } : null;
  } catch {
    return null;
  }
}

/** The license claims, or null when a required claim is missing or of the wrong type. */
export function licenseClaims(c: CborMap): LicenseClaims | null {
  const [iss, exp, iat, cti] = [c.get(CLAIM.iss), c.get(CLAIM.exp), c.get(CLAIM.iat), c.get(CLAIM.cti)];
  const [num, name, issued, edition, status, birth] = [c.get(CLAIM.licenseNumber), c.get(CLAIM.nameKanji),
    c.get(CLAIM.issueDate), c.get(CLAIM.edition), c.get(CLAIM.status), c.get(CLAIM.birthDate)];
  if (typeof iss !== 'string' || !uint(exp) || !uint(iat) || !(cti instanceof Uint8Array)) return null;
  if (typeof num !== 'string' || typeof name !== 'string' || !isoDate(issued) || !uint(edition)) return null;
  if (!Array.isArray(status) || status.length !== 2 || !uint(status[0]) || !uint(status[1])) return null;
  if (birth !== undefined && !isoDate(birth)) return null;
  return {
    issuer: iss, credentialId: toHex(cti), licenseNumber: num, nameKanji: name, issueDate: issued, edition,
    ...(birth !== undefined ? { birthDate: birth } : {}),
    issuedAt: new Date(iat * 1000).toISOString(), expiresAt: new Date(exp * 1000).toISOString(),
    status: { list: status[0], index: status[1] },
  };
}

/** Signature, claims and expiry of a credential. */
export async function checkCredential(bytes: Uint8Array, jwks: Jwks, now: number): Promise<Checked> {
  const verified = await verifySign1(bytes, jwks);
  const claimsMap = verified && parseClaims(verified.payload);
  const claims = claimsMap && licenseClaims(claimsMap);
  if (!verified || !claims) return { ok: false };
  return { ok: true, kid: verified.kid, claims, expired: Date.parse(claims.expiresAt) <= now };
}

export interface StatusList {
  listId: number;
  bits: number;
  size: number;
  issuedAt: number;
  expiresAt: number;
  /** The list itself, decompressed. */
  bytes: Uint8Array;
}

/** Verifies and unpacks a signed status list; `inflate` undoes zlib (DecompressionStream or node:zlib). */
export async function readStatusList(signed: Uint8Array, jwks: Jwks, inflate: (b: Uint8Array) => Promise<Uint8Array>): Promise<StatusList | null> {
  const verified = await verifySign1(signed, jwks, STATUS_LIST_TYP);
  const c = verified && parseClaims(verified.payload);
  if (!c) return null;
  const [listId, bits, size, lst, iat, exp] = [c.get(LIST_CLAIM.listId), c.get(LIST_CLAIM.bits), c.get(LIST_CLAIM.size),
    c.get(LIST_CLAIM.lst), c.get(CLAIM.iat), c.get(CLAIM.exp)];
  if (!uint(listId) || bits !== 4 || !uint(size) || !(lst instanceof Uint8Array) || !uint(iat) || !uint(exp)) return null;
  const bytes = await inflate(lst);
  if (bytes.length * 2 !== size) return null;
  return { listId, bits, size, issuedAt: iat * 1000, expiresAt: exp * 1000, bytes };
}

/** The status at an index: 4 bits, the even index in the low nibble. Out of range counts as invalid. */
export function statusAt(list: StatusList, index: number): RegistryStatus {
  if (index >= list.size) return '取消';
  const nibble = (list.bytes[index >> 1]! >> ((index & 1) * 4)) & 15;
  return STATUS_CODES[nibble] ?? '取消';
}

export type OfflineAnswer =
  | { answer: 'valid'; claims: LicenseClaims }
  | { answer: 'invalid'; reason: Reason; claims?: LicenseClaims }
  /** The status list is missing or stale and nothing already proves the credential invalid. */
  | { answer: 'unknown'; claims: LicenseClaims };

/** States that never revert: a stale list that reports one may still be believed. */
const FINAL: readonly RegistryStatus[] = ['取消', '再交付', '死亡等'];

/** The verifier's answer from a checked credential and the cached status list (if any). */
export function decide(checked: Checked, list: StatusList | null, now: number): OfflineAnswer {
  if (!checked.ok) return { answer: 'invalid', reason: '署名不正' };
  const { claims } = checked;
  const usable = list && list.listId === claims.status.list ? list : null;
  const status = usable ? statusAt(usable, claims.status.index) : null;
  const fresh = !!usable && now - usable.issuedAt <= STATUS_LIST_MAX_AGE_MS && now >= usable.issuedAt - 5 * 60_000;
  if (status && status !== 'valid' && (fresh || FINAL.includes(status))) return { answer: 'invalid', reason: status, claims };
  if (checked.expired) return { answer: 'invalid', reason: '期限切れ', claims };
  if (!fresh || status !== 'valid') return { answer: 'unknown', claims };
  return { answer: 'valid', claims };
}
