/**
 * The claims of a credential, in one place: issuer, iat, exp, cti, license number, 氏名, 交付日,
 * edition, the status pointer, and the birth date only in the with_birth_date profile. Never the
 * My Number: the input type has no field for it.
 */
import { CLAIM, encodeCbor } from './codec';
import type { Signer } from './keys';

export interface CredentialFields {
  licenseNumber: string;
  nameKanji: string;
  issueDate: string;
  edition: number;
  birthDate: string;
}

export interface CredentialOptions {
  issuer: string;
  profile: 'standard' | 'with_birth_date';
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  cti: Uint8Array;
  status: { list: number; index: number };
}

export function buildCredential(signer: Signer, f: CredentialFields, o: CredentialOptions): Uint8Array {
  const claims = new Map<number, unknown>([
    [CLAIM.iss, o.issuer], [CLAIM.iat, o.iat], [CLAIM.exp, o.exp], [CLAIM.cti, o.cti],
    [CLAIM.licenseNumber, f.licenseNumber], [CLAIM.nameKanji, f.nameKanji], [CLAIM.issueDate, f.issueDate],
    [CLAIM.edition, f.edition], [CLAIM.status, [o.status.list, o.status.index]],
  ]);
  if (o.profile === 'with_birth_date') claims.set(CLAIM.birthDate, f.birthDate);
  return signer.sign1(encodeCbor(claims));
}
