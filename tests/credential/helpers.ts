/** Keys and credentials made in memory for the credential tests. */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { createSigner, type Signer } from '../../credential/keys';
import { buildCredential, type CredentialFields, type CredentialOptions } from '../../credential/cwt';

export function newSigner(kid = 'c1', curve = 'P-256'): Signer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return createSigner(new Map([[kid, { privateKey, publicKey: createPublicKey(privateKey) }]]), kid);
}

export const FIELDS: CredentialFields = {
  licenseNumber: 'R07-000123', nameKanji: '水道　太郎', issueDate: '2025-04-01', edition: 1, birthDate: '1985-04-01',
};

export const NOW = Date.parse('2026-06-01T03:00:00Z');

export function credential(signer: Signer, over: Partial<CredentialOptions> = {}, fields: Partial<CredentialFields> = {}): Uint8Array {
  const iat = Math.floor(NOW / 1000);
  return buildCredential(signer, { ...FIELDS, ...fields }, {
    issuer: 'JP-MLIT', profile: 'standard', iat, exp: iat + 30 * 86_400, cti: new Uint8Array(randomBytes(12)),
    status: { list: 1, index: 123_457 }, ...over,
  });
}

export const inflate = async (b: Uint8Array) => new Uint8Array(inflateSync(b));
