/**
 * The issuer's ES256 key ring (CREDENTIAL_SIGNING_KEYS): the active key signs credentials and
 * status lists; every key of the ring, including retired public-only ones, is published in the
 * JWKS so that credentials signed before a rotation stay verifiable until they expire. A key is
 * dropped from the ring (and so from the JWKS) once the longest-lived credential it signed,
 * the paper license's (CREDENTIAL_PAPER_TTL_DAYS), has expired.
 */
import { sign } from 'node:crypto';
import type { Config, CredentialKey } from '../common/config';
import { ES256, HEADER, encodeCbor, encodeSign1, toBeSigned } from './codec';
import type { Jwk, Jwks } from './verify-core';

export class CredentialKeysMissing extends Error {
  constructor() {
    super('the credential signing keys are not configured (CREDENTIAL_SIGNING_KEYS, CREDENTIAL_ACTIVE_KEY_ID)');
    this.name = 'CredentialKeysMissing';
  }
}

export interface Signer {
  readonly activeKid: string;
  /** COSE_Sign1 over `payload` with the active key; `extraHeaders` go into the protected header. */
  sign1(payload: Uint8Array, extraHeaders?: [number, unknown][]): Uint8Array;
  jwks(): Jwks;
}

export function createSigner(ring: Map<string, CredentialKey>, activeKid: string): Signer {
  const active = ring.get(activeKid)?.privateKey;
  if (!active) throw new CredentialKeysMissing();
  const jwks: Jwks = {
    keys: [...ring].map(([kid, k]) => {
      const { x, y } = k.publicKey.export({ format: 'jwk' });
      return { kty: 'EC', crv: 'P-256', x: String(x), y: String(y), kid, alg: 'ES256', use: 'sig' } satisfies Jwk;
    }),
  };
  return {
    activeKid,
    sign1(payload, extraHeaders = []) {
      const headers = new Map<number, unknown>([[HEADER.alg, ES256], [HEADER.kid, new TextEncoder().encode(activeKid)], ...extraHeaders]);
      const protectedBytes = encodeCbor(headers);
      const signature = sign('sha256', toBeSigned(protectedBytes, payload), { key: active, dsaEncoding: 'ieee-p1363' });
      return encodeSign1(protectedBytes, payload, new Uint8Array(signature));
    },
    jwks: () => jwks,
  };
}

export function signerFromConfig(config: Config): Signer {
  if (!config.CREDENTIAL_SIGNING_KEYS || !config.CREDENTIAL_ACTIVE_KEY_ID) throw new CredentialKeysMissing();
  return createSigner(config.CREDENTIAL_SIGNING_KEYS, config.CREDENTIAL_ACTIVE_KEY_ID);
}
