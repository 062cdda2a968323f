/**
 * The digital credential's use cases (issue #7): issue a credential for an active license, verify
 * one online against the live registry, make the paper license's QR code, and the holder page's
 * links. Routes (api/routes/credentials.ts) and the license-production activity call these.
 *
 * What a credential carries is fixed in cwt.ts. Never the My Number: the registrant query
 * (repository.ts findLicense) does not even select a column that could hold it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import { AuditLog } from '../db/audit';
import { dbUrlParts } from '../db/connection';
import { credentialBytesFromText, toBase64Url, toHex } from './codec';
import { buildCredential } from './cwt';
import { signerFromConfig, type Signer } from './keys';
import { credentialQrUrl, qrModules, type QrModules } from './qr';
import { findLicense, insertCredential, insertHolderLink, registrantOfHolderLink, statusIndexFor, statusOfIndex } from './repository';
import { STATUS_LIST_ID, statusListCache, type SignedStatusList } from './status-list';
import { checkCredential, type Jwks, type LicenseClaims, type Reason } from './verify-core';

export const PROFILES = ['standard', 'with_birth_date'] as const;
export type Profile = (typeof PROFILES)[number];
export type Purpose = 'holder' | 'paper';

/** The issuer and qualification as shown to people (the `iss` claim is a short code). */
export const ISSUER_NAME = '国土交通大臣';
export const QUALIFICATION_NAME = '給水装置工事主任技術者';

export class CredentialError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'NOT_ACTIVE' | 'UNAVAILABLE', message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

export interface CredentialContext {
  config: Config;
  db: Sequelize;
  audit: AuditLog;
  /** Throws CredentialError UNAVAILABLE when no signing keys are configured. */
  signer(): Signer;
  statusList(now?: number): Promise<SignedStatusList>;
  /** Base of the URLs in QR codes and holder links. */
  baseUrl: string;
}

/** One per process (API, worker); cheap, holds the status-list cache. */
export function credentialContext(config: Config, db: Sequelize): CredentialContext {
  let signer: Signer | undefined;
  const getSigner = () => {
    try {
      signer ??= signerFromConfig(config);
    } catch (err) {
      throw new CredentialError('UNAVAILABLE', (err as Error).message);
    }
    return signer;
  };
  let cache: ReturnType<typeof statusListCache> | undefined;
  return {
    config, db, audit: new AuditLog(db, dbUrlParts(config.DATABASE_URL).database), signer: getSigner,
    baseUrl: config.PUBLIC_BASE_URL ?? `http://${config.API_HOST}:${config.PORT}`,
    statusList(now) {
      cache ??= statusListCache({ db, signer: getSigner(), issuer: config.CREDENTIAL_ISSUER,
        size: config.CREDENTIAL_STATUS_LIST_SIZE, maxAgeMs: config.CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS * 1000 });
      return cache(now);
    },
  };
}

export interface IssuedCredential {
  /** The COSE_Sign1 bytes, base64url. */
  credential: string;
  /** What the QR code encodes: the verifier page with the credential in the fragment. */
  qrUrl: string;
  expiresAt: string;
  credentialId: string;
}

export interface IssueInput { registrantId: string; profile: Profile; purpose: Purpose; actor: string; now?: number }

/** Signs a new credential for the registrant's current, active license. */
export async function issueCredential(ctx: CredentialContext, input: IssueInput): Promise<IssuedCredential> {
  const signer = ctx.signer();
  const now = input.now ?? Date.now();
  const lic = await findLicense(ctx.db, input.registrantId, now);
  if (!lic) throw new CredentialError('NOT_FOUND', 'no registrant with this ID');
  if (lic.status !== 'valid') throw new CredentialError('NOT_ACTIVE', 'a credential is issued for an active license only');
  const statusIndex = await statusIndexFor(ctx.db, lic, STATUS_LIST_ID, ctx.config.CREDENTIAL_STATUS_LIST_SIZE);
  const ttlDays = input.purpose === 'paper' ? ctx.config.CREDENTIAL_PAPER_TTL_DAYS : ctx.config.CREDENTIAL_TTL_DAYS;
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlDays * 86_400;
  const cti = new Uint8Array(randomBytes(12));
  const bytes = buildCredential(signer, lic, { issuer: ctx.config.CREDENTIAL_ISSUER, profile: input.profile, iat, exp, cti,
    status: { list: STATUS_LIST_ID, index: statusIndex } });
  const credentialId = toHex(cti);
  await insertCredential(ctx.db, { credentialId, registrantId: lic.registrantId, edition: lic.edition, listId: STATUS_LIST_ID,
    statusIndex, profile: input.profile, purpose: input.purpose, keyId: signer.activeKid, issuedBy: input.actor,
    issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) });
  await ctx.audit.append({ actor: input.actor, action: 'credential.issue', purpose: input.purpose === 'paper'
    ? '免状の二次元コード (paper license QR)' : 'デジタル資格情報の表示 (R3.1, R4.4)', targetType: 'registrant',
  targetId: lic.registrantId, outcome: 'ok', detail: { credentialId, profile: input.profile, keyId: signer.activeKid } });
  return { credential: toBase64Url(bytes), qrUrl: credentialQrUrl(ctx.baseUrl, bytes), expiresAt: new Date(exp * 1000).toISOString(), credentialId };
}

/** The license as the verifier sees it (api-contract "Digital credential"). */
export interface LicenseView {
  qualification: string;
  issuer: string;
  licenseNumber: string;
  nameKanji: string;
  issueDate: string;
  edition: number;
  birthDate?: string;
  expiresAt: string;
}

export type VerifyResponse = { valid: true; license: LicenseView } | { valid: false; reason: Reason; license?: LicenseView };

export function licenseView(c: LicenseClaims): LicenseView {
  return { qualification: QUALIFICATION_NAME, issuer: ISSUER_NAME, licenseNumber: c.licenseNumber, nameKanji: c.nameKanji,
    issueDate: c.issueDate, edition: c.edition, ...(c.birthDate ? { birthDate: c.birthDate } : {}), expiresAt: c.expiresAt };
}

/**
 * The online verifier: signature and claims, then the registry as it is at this moment (not the
 * published list, which may be a minute old), then expiry. Fields are returned with a refusal
 * only when the signature is good; a forged credential gets nothing back.
 */
export async function verifyCredential(ctx: CredentialContext, text: string, now = Date.now()): Promise<VerifyResponse> {
  const bytes = credentialBytesFromText(text);
  const checked = bytes ? await checkCredential(bytes, ctx.signer().jwks(), now) : { ok: false as const };
  if (!checked.ok) return { valid: false, reason: '署名不正' };
  const license = licenseView(checked.claims);
  const status = await statusOfIndex(ctx.db, checked.claims.status.list, checked.claims.status.index, now);
  if (status !== 'valid') return { valid: false, reason: status, license };
  if (checked.expired) return { valid: false, reason: '期限切れ', license };
  return { valid: true, license };
}

export const jwks = (ctx: CredentialContext): Jwks => ctx.signer().jwks();

/**
 * For the license-production activity: the QR code printed on the paper license (standard
 * profile, long-lived: CREDENTIAL_PAPER_TTL_DAYS), as QR modules for renderLicensePdf's `qr`.
 * Throws CredentialError NOT_ACTIVE when the license is not active (do not retry that).
 */
export async function issuePaperLicenseQr(ctx: CredentialContext, input: { registrantId: string; actor?: string; now?: number }):
Promise<{ modules: QrModules; credentialId: string; expiresAt: string; qrUrl: string }> {
  const issued = await issueCredential(ctx, { registrantId: input.registrantId, profile: 'standard', purpose: 'paper',
    actor: input.actor ?? 'system', now: input.now });
  return { modules: qrModules(issued.qrUrl), credentialId: issued.credentialId, expiresAt: issued.expiresAt, qrUrl: issued.qrUrl };
}

// --- the holder page's access ---

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A link that opens the holder page for one registrant (made by the portal once the holder has
 * authenticated with マイナポータル and consented, R4.4). The token is in the fragment, so it
 * never reaches a server log; the page keeps it and sends it as a bearer token.
 */
export async function createHolderLink(ctx: CredentialContext, input: { registrantId: string; actor: string }):
Promise<{ holderUrl: string; expiresAt: string }> {
  if (!(await findLicense(ctx.db, input.registrantId))) throw new CredentialError('NOT_FOUND', 'no registrant with this ID');
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ctx.config.CREDENTIAL_HOLDER_LINK_TTL_DAYS * 86_400_000);
  await insertHolderLink(ctx.db, { tokenHash: sha256Hex(token), registrantId: input.registrantId, createdBy: input.actor, expiresAt });
  await ctx.audit.append({ actor: input.actor, action: 'credential.holder_link', purpose: 'デジタル資格情報の表示 (R4.4)',
    targetType: 'registrant', targetId: input.registrantId, outcome: 'ok' });
  return { holderUrl: `${ctx.baseUrl.replace(/\/+$/, '')}/h#${token}`, expiresAt: expiresAt.toISOString() };
}

/** A credential for the holder page; null when the token is unknown, expired or revoked. */
export async function holderCredential(ctx: CredentialContext, token: string, profile: Profile): Promise<IssuedCredential | null> {
  const registrantId = await registrantOfHolderLink(ctx.db, sha256Hex(token));
  if (!registrantId) return null;
  return issueCredential(ctx, { registrantId, profile, purpose: 'holder', actor: 'holder' });
}
