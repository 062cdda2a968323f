/**
 * The wire format of the digital credential (デジタル資格情報), shared by the server and the
 * browser verifier (bundled by esbuild, so nothing here may import a Node built-in).
 *
 * A credential is a CWT (RFC 8392) signed as a tagged COSE_Sign1 (RFC 9052) with ES256. Claims use
 * small integer keys to keep the QR code small: the registered claims iss (1), exp (4), iat (6),
 * cti (7) and private claims with negative keys (CLAIM below). Dates are ISO `YYYY-MM-DD` text.
 *
 * The QR code carries a URL whose fragment (never sent to a server) is the COSE bytes written as
 * decimal digits (see toDigits): digits are safe in every URL and QR numeric mode packs them at
 * 3⅓ bits each, so 7 bytes cost 17 digits ≈ 8.1 bits per byte, less than base45 in alphanumeric
 * mode (8.25) and far less than base64 in byte mode (10.7). base45 was also ruled out because its
 * alphabet has space and `%`, which do not survive in a URL.
 */
import { Encoder, Tag } from 'cbor-x';

const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });

export const encodeCbor = (value: unknown): Uint8Array => new Uint8Array(cbor.encode(value));
/** Decodes exactly one CBOR item; trailing bytes are an error. */
export const decodeCbor = (bytes: Uint8Array): unknown => cbor.decode(bytes);

/** COSE header labels and the one algorithm accepted. */
export const HEADER = { alg: 1, kid: 4, typ: 16 } as const;
export const ES256 = -7;
/** The `typ` of a signed status list: a credential has none, so one can never pass for the other. */
export const STATUS_LIST_TYP = 'application/statuslist+cwt';

export const CLAIM = {
  iss: 1, exp: 4, iat: 6, cti: 7,
  licenseNumber: -1, // 免状番号
  nameKanji: -2, // 氏名
  issueDate: -3, // 交付日 of this edition
  edition: -4, // 版: incremented by every rewrite (書換え) and reissue (再交付)
  status: -5, // [status list id, index]
  birthDate: -6, // 生年月日: only in the with_birth_date profile
} as const;

export const LIST_CLAIM = { listId: -20, bits: -21, size: -22, lst: -23 } as const;

export type CborMap = Map<number | string, unknown>;

export interface Sign1 {
  protectedBytes: Uint8Array;
  headers: CborMap;
  payload: Uint8Array;
  signature: Uint8Array;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** The bytes that ES256 signs (COSE Sig_structure, no external data). */
export function toBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

export function encodeSign1(protectedBytes: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeCbor(new Tag([protectedBytes, new Map(), payload, signature], 18));
}

/** Parses a tagged COSE_Sign1 strictly; null when anything is off (the caller says 署名不正). */
export function parseSign1(bytes: Uint8Array): Sign1 | null {
  let item: unknown;
  try {
    item = decodeCbor(bytes);
  } catch {
    return null;
  }
  if (!(item instanceof Tag) || item.tag !== 18 || !Array.isArray(item.value) || item.value.length !== 4) return null;
  const [protectedBytes, unprotected, payload, signature] = item.value as unknown[];
  if (!isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature) || signature.length !== 64) return null;
  // Nothing may travel outside the signature: the unprotected header must be empty.
  if (!(unprotected instanceof Map) || unprotected.size !== 0) return null;
  let headers: unknown;
  try {
    headers = decodeCbor(protectedBytes);
  } catch {
    return null;
  }
  if (!(headers instanceof Map)) return null;
  return { protectedBytes, headers: headers as CborMap, payload, signature };
}

/** Decodes a CWT claims set; null unless it is a map. */
export function parseClaims(payload: Uint8Array): CborMap | null {
  try {
    const claims = decodeCbor(payload);
    return claims instanceof Map ? (claims as CborMap) : null;
  } catch {
    return null;
  }
}

// --- text forms -------------------------------------------------------------------------------

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = [18, 12, 6, 0].map((s) => B64URL[(n >> s) & 63]);
    out += chars.slice(0, Math.min(4, bytes.length - i + 1)).join('');
  }
  return out;
}

export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 4) {
    const chunk = text.slice(i, i + 4);
    let n = 0;
    for (let j = 0; j < 4; j++) n = (n << 6) | (j < chunk.length ? B64URL.indexOf(chunk[j]!) : 0);
    const bytes = [(n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    out.push(...bytes.slice(0, chunk.length - 1));
  }
  return new Uint8Array(out);
}

/** Digits needed for a chunk of k bytes (k = 1…7): ⌈8k·log10 2⌉; all different, so the last chunk's length tells k. */
const DIGITS_FOR = [0, 3, 5, 8, 10, 13, 15, 17];
const CHUNK = 7;

/** Bytes as decimal digits, 7 bytes → 17 digits (see the file comment). */
export function toDigits(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const chunk = bytes.subarray(i, i + CHUNK);
    let n = 0n;
    for (const b of chunk) n = (n << 8n) | BigInt(b);
    out += n.toString().padStart(DIGITS_FOR[chunk.length]!, '0');
  }
  return out;
}

export function fromDigits(text: string): Uint8Array | null {
  if (!/^[0-9]*$/.test(text)) return null;
  const out: number[] = [];
  for (let i = 0; i < text.length; i += DIGITS_FOR[CHUNK]!) {
    const part = text.slice(i, i + DIGITS_FOR[CHUNK]!);
    const k = DIGITS_FOR.indexOf(part.length);
    if (k < 1) return null;
    let n = BigInt(part);
    if (n >> BigInt(8 * k) !== 0n) return null; // more than k bytes: not produced by toDigits
    const chunk: number[] = [];
    for (let j = 0; j < k; j++, n >>= 8n) chunk.unshift(Number(n & 255n));
    out.push(...chunk);
  }
  return new Uint8Array(out);
}

/**
 * The COSE bytes from any text a verifier may hold: the QR code's URL (`…/v#<digits>`), its
 * fragment alone, or the base64url form the API returns. Null when it is none of these.
 */
export function credentialBytesFromText(text: string): Uint8Array | null {
  const t = text.trim();
  const hash = t.lastIndexOf('#');
  const candidate = hash >= 0 ? t.slice(hash + 1) : t;
  if (/^[0-9]+$/.test(candidate)) return fromDigits(candidate);
  return hash >= 0 ? null : fromBase64Url(candidate);
}

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
