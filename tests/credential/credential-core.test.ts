import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { NAME_KANJI_MAX_CHARS } from '../../domain/names';
import {
  CLAIM, ES256, HEADER, credentialBytesFromText, encodeCbor, encodeSign1, fromDigits, parseClaims, parseSign1, toBeSigned, toDigits,
} from '../../credential/codec';
import { credentialQrUrl, qrPng, qrVersion } from '../../credential/qr';
import { signStatusList } from '../../credential/status-list';
import { checkCredential, decide, readStatusList, statusAt, type Jwks } from '../../credential/verify-core';
import { NOW, credential, inflate, newSigner } from './helpers';

const signer = newSigner('c1');
const jwks: Jwks = signer.jwks();
const BASE_URL = 'https://kyusui.mlit.go.jp';

function decodeQrPng(png: Uint8Array): string | null {
  const img = PNG.sync.read(Buffer.from(png));
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? null;
}

const freshList = (entries: { index: number; code: number }[] = [], now = NOW) =>
  readStatusList(signStatusList(signer, { issuer: 'JP-MLIT', listId: 1, size: 1 << 20, entries, now }).bytes, jwks, inflate);

describe('credential: signing, QR code and offline verification', () => {
  it('when a credential goes through a rendered QR image and back, then it verifies as valid with its fields', async () => {
    const url = credentialQrUrl(BASE_URL, credential(signer));
    const scanned = decodeQrPng(await qrPng(url, 3));
    expect(scanned).toBe(url);
    const checked = await checkCredential(credentialBytesFromText(scanned!)!, jwks, NOW);
    const answer = decide(checked, await freshList(), NOW);
    expect(answer).toMatchObject({ answer: 'valid', claims: { licenseNumber: 'R07-000123', nameKanji: '水道　太郎', issueDate: '2025-04-01', edition: 1 } });
  });

  it('when any single byte of the credential is changed, then it is refused (署名不正)', async () => {
    const bytes = credential(signer);
    expect((await checkCredential(bytes, jwks, NOW)).ok).toBe(true);
    const accepted: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const copy = bytes.slice();
        copy[i]! ^= mask;
        const checked = await checkCredential(copy, jwks, NOW);
        if (checked.ok) accepted.push(`${i}^${mask}`);
        else expect(decide(checked, null, NOW)).toEqual({ answer: 'invalid', reason: '署名不正' });
      }
    }
    expect(accepted).toEqual([]);
  });

  it('when the key ID is unknown, then the credential is refused even though it is well signed', async () => {
    const stranger = newSigner('c9');
    const bytes = credential(stranger);
    expect((await checkCredential(bytes, stranger.jwks(), NOW)).ok).toBe(true);
    expect((await checkCredential(bytes, jwks, NOW)).ok).toBe(false);
  });

  it('when the header names another algorithm, then the credential is refused even with a signature that checks', async () => {
    const payload = parseSign1(credential(signer))!.payload;
    const key = rawKey();
    for (const alg of [-35 /* ES384 */, 5 /* HMAC 256 */, -8 /* EdDSA */]) {
      const protectedBytes = encodeCbor(new Map<number, unknown>([[HEADER.alg, alg], [HEADER.kid, new TextEncoder().encode('k')]]));
      const sig = sign('sha256', toBeSigned(protectedBytes, payload), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
      expect((await checkCredential(encodeSign1(protectedBytes, payload, new Uint8Array(sig)), key.jwks, NOW)).ok).toBe(false);
    }
    // the same construction with ES256 passes, so the algorithm alone made the difference
    const protectedBytes = encodeCbor(new Map<number, unknown>([[HEADER.alg, ES256], [HEADER.kid, new TextEncoder().encode('k')]]));
    const sig = sign('sha256', toBeSigned(protectedBytes, payload), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    expect((await checkCredential(encodeSign1(protectedBytes, payload, new Uint8Array(sig)), key.jwks, NOW)).ok).toBe(true);
  });

  it('when the standard profile carries the longest names, then the QR code is version 15 or lower at level M', () => {
    const longest = (ch: string) => ch.repeat(NAME_KANJI_MAX_CHARS / 2 - 1) + '　' + ch.repeat(NAME_KANJI_MAX_CHARS / 2);
    for (const name of [longest('髙'), longest('𠮷'), '𠮷'.repeat(19) + '　' + '邉'.repeat(20)]) {
      const bytes = credential(signer, { exp: Math.floor(NOW / 1000) + 3650 * 86_400, status: { list: 1, index: (1 << 22) - 1 } },
        { nameKanji: name, licenseNumber: 'R07-0000000000123456', edition: 99 });
      const version = qrVersion(credentialQrUrl(BASE_URL, bytes));
      expect(version).toBeLessThanOrEqual(15);
    }
  });

  it('when the standard profile is issued, then no byte of it carries the birth date; with_birth_date does', () => {
    const forms = (iso: string) => [iso, iso.replace(/-/g, ''), iso.replace(/-/g, '/')];
    const has = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text));
    const standard = credential(signer);
    const claims = parseClaims(parseSign1(standard)!.payload)!;
    expect(claims.has(CLAIM.birthDate)).toBe(false);
    for (const f of forms('1985-04-01')) expect(has(standard, f)).toBe(false);
    const withBirth = credential(signer, { profile: 'with_birth_date' });
    expect(has(withBirth, '1985-04-01')).toBe(true);
    expect(parseClaims(parseSign1(withBirth)!.payload)!.get(CLAIM.birthDate)).toBe('1985-04-01');
  });

  it('when a credential has expired, then it is refused (期限切れ) even with a fresh list', async () => {
    const iat = Math.floor(NOW / 1000) - 40 * 86_400;
    const checked = await checkCredential(credential(signer, { iat, exp: iat + 30 * 86_400 }), jwks, NOW);
    expect(checked).toMatchObject({ ok: true, expired: true });
    expect(decide(checked, await freshList(), NOW)).toMatchObject({ answer: 'invalid', reason: '期限切れ' });
  });

  it('when the status list marks the index, then the verifier gives its reason; a stale list never yields 有効です', async () => {
    const checked = await checkCredential(credential(signer), jwks, NOW);
    for (const [code, reason] of [[1, '取消'], [2, '停止中'], [3, '再交付'], [4, '死亡等']] as const) {
      expect(decide(checked, await freshList([{ index: 123_457, code }]), NOW)).toMatchObject({ answer: 'invalid', reason });
    }
    const dayAndMore = NOW + 24 * 3600_000 + 1000;
    expect(decide(checked, await freshList([], NOW), NOW + 23 * 3600_000)).toMatchObject({ answer: 'valid' });
    expect(decide(checked, await freshList([], NOW), dayAndMore)).toMatchObject({ answer: 'unknown' });
    expect(decide(checked, null, NOW)).toMatchObject({ answer: 'unknown' });
    // a suspension may have ended since a stale list: unknown; a revocation never ends
    expect(decide(checked, await freshList([{ index: 123_457, code: 2 }]), dayAndMore)).toMatchObject({ answer: 'unknown' });
    expect(decide(checked, await freshList([{ index: 123_457, code: 1 }]), dayAndMore)).toMatchObject({ answer: 'invalid', reason: '取消' });
  });

  it('when a status list is tampered with or signed by an unknown key, then it is not used', async () => {
    const signed = signStatusList(signer, { issuer: 'JP-MLIT', listId: 1, size: 1024, entries: [{ index: 7, code: 1 }], now: NOW }).bytes;
    const list = (await readStatusList(signed, jwks, inflate))!;
    expect([statusAt(list, 7), statusAt(list, 6), statusAt(list, 8)]).toEqual(['取消', 'valid', 'valid']);
    const copy = signed.slice();
    copy[copy.length - 70]! ^= 1;
    expect(await readStatusList(copy, jwks, inflate)).toBeNull();
    expect(await readStatusList(signed, newSigner('c1').jwks(), inflate)).toBeNull();
    // and a credential is not a status list, nor the reverse
    expect(await readStatusList(credential(signer), jwks, inflate)).toBeNull();
    expect((await checkCredential(signed, jwks, NOW)).ok).toBe(false);
  });

  it('when bytes are written as digits, then they come back unchanged, and malformed digits are refused', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255));
      if (n % 3 === 0) bytes.fill(255);
      expect(fromDigits(toDigits(bytes))).toEqual(bytes);
    }
    expect(fromDigits('12')).toBeNull(); // no chunk has 2 digits
    expect(fromDigits('999')).toBeNull(); // 999 > 255: not one byte
    expect(fromDigits('12a')).toBeNull();
    expect(credentialBytesFromText('https://x/v#abc')).toBeNull();
  });
});

/** A P-256 key used directly (not through a Signer), to build COSE headers a Signer would never make. */
function rawKey() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: String(x), y: String(y), kid: 'k', alg: 'ES256', use: 'sig' }] } as Jwks };
}
