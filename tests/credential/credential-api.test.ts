import type { AddressInfo } from 'node:net';
import express from 'express';
import { credentialRoutes } from '../../api/routes/credentials';
import { errorHandler } from '../../api/errors';
import jsQR from 'jsqr';
import { inflateSync } from 'node:zlib';
import { config } from '../helpers/env';
import { call, loginAs, newClient, newStaff, startApi, type TestApi } from '../integration/auth-helpers';
import { credentialContext, issueCredential, issuePaperLicenseQr, type CredentialContext } from '../../credential/service';
import { fromBase64Url, toBase64Url } from '../../credential/codec';
import { readStatusList, statusAt, type Jwks } from '../../credential/verify-core';
import { parseSign1, parseClaims, CLAIM } from '../../credential/codec';
import { insertRegistrant, updateRegistrant } from './registry-fixture';

let api: TestApi;
let ctx: CredentialContext;
let reviewerToken: string;

beforeAll(async () => {
  api = await startApi();
  ctx = credentialContext(config, api.deps.db);
  reviewerToken = await loginAs(api.url, await newStaff(api.ctx, 'reviewer'));
});
afterAll(async () => api.close());

const issue = async (registrantId: string, profile = 'standard') => {
  const r = await call(api.url, 'GET', `/api/v1/registrants/${registrantId}/credential?profile=${profile}`, { token: reviewerToken });
  expect(r.status).toBe(200);
  return r.body as { credential: string; qrUrl: string; expiresAt: string };
};
const verify = async (credential: string) => {
  const r = await call(api.url, 'POST', '/api/v1/verify', { body: { credential } });
  expect(r.status).toBe(200);
  return r.body as { valid: boolean; reason?: string; license?: Record<string, unknown> };
};
const tomorrow = () => new Date(Date.now() + 9 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() + 9 * 3600_000 - 86_400_000).toISOString().slice(0, 10);

describe('credential API', () => {
  it('when staff with credential:issue asks, then a credential is issued that the public endpoint finds valid', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const res = await fetch(`${api.url}/api/v1/registrants/${reg.registrantId}/credential?profile=standard`, { headers: { authorization: `Bearer ${reviewerToken}` } });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const issued = (await res.json()) as { credential: string; qrUrl: string; expiresAt: string };
    const qr = new URL(issued.qrUrl);
    expect([qr.pathname, qr.search]).toEqual(['/v', '']);
    expect(qr.hash).toMatch(/^#[0-9]+$/); // the credential only in the fragment, which browsers never send
    expect(Date.parse(issued.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const answer = await verify(issued.credential);
    expect(answer).toEqual({ valid: true, license: expect.objectContaining({ licenseNumber: reg.licenseNumber, nameKanji: reg.nameKanji,
      issueDate: '2025-04-01', edition: 1, issuer: '国土交通大臣', qualification: '給水装置工事主任技術者' }) });
    expect(answer.license).not.toHaveProperty('birthDate');
    // the QR text itself is accepted too
    expect((await verify(issued.qrUrl)).valid).toBe(true);
    const withBirth = await issue(reg.registrantId, 'with_birth_date');
    expect((await verify(withBirth.credential)).license).toMatchObject({ birthDate: '1990-12-31' });
  });

  it('when a role without credential:issue or no token asks, then it is refused', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const clerk = await loginAs(api.url, await newStaff(api.ctx, 'clerk'));
    expect((await call(api.url, 'GET', `/api/v1/registrants/${reg.registrantId}/credential`, { token: clerk })).status).toBe(403);
    expect((await call(api.url, 'GET', `/api/v1/registrants/${reg.registrantId}/credential`)).status).toBe(401);
    expect((await call(api.url, 'GET', '/api/v1/registrants/00000000-0000-0000-0000-000000000000/credential', { token: reviewerToken })).status).toBe(404);
  });

  it('when the license is revoked, then the online endpoint says 取消 within a second, and no new credential is issued', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const { credential } = await issue(reg.registrantId);
    expect((await verify(credential)).valid).toBe(true);
    await updateRegistrant(api.deps.db, reg.registrantId, { qualification_status: 'revoked', return_reason: '返納命令' });
    const t0 = Date.now();
    const answer = await verify(credential);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(answer).toMatchObject({ valid: false, reason: '取消' });
    const again = await call(api.url, 'GET', `/api/v1/registrants/${reg.registrantId}/credential`, { token: reviewerToken });
    expect(again.status).toBe(409);
  });

  it('when a license is suspended and the suspension ends, then the credential goes valid → 停止中 → valid', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const { credential } = await issue(reg.registrantId);
    expect((await verify(credential)).valid).toBe(true);
    await updateRegistrant(api.deps.db, reg.registrantId, { qualification_status: 'suspended', suspended_until: tomorrow() });
    expect(await verify(credential)).toMatchObject({ valid: false, reason: '停止中' });
    await updateRegistrant(api.deps.db, reg.registrantId, { suspended_until: yesterday() }); // the period is over
    expect((await verify(credential)).valid).toBe(true);
    await updateRegistrant(api.deps.db, reg.registrantId, { qualification_status: 'active', suspended_until: null });
    expect((await verify(credential)).valid).toBe(true);
  });

  it('when the license is reissued or rewritten, then older credentials say 再交付 and the new one is valid', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const first = await issue(reg.registrantId);
    await updateRegistrant(api.deps.db, reg.registrantId, { license_edition: 2, reissue_count: 1, reissued_on: '2026-01-10' });
    expect(await verify(first.credential)).toMatchObject({ valid: false, reason: '再交付' });
    const second = await issue(reg.registrantId);
    expect(await verify(second.credential)).toMatchObject({ valid: true, license: { edition: 2 } });
    // 書換え: the name changes; a credential carrying the old name must not stay valid
    await updateRegistrant(api.deps.db, reg.registrantId, { name_kanji: '上下　花子' });
    expect(await verify(second.credential)).toMatchObject({ valid: false, reason: '再交付' });
    expect(await verify((await issue(reg.registrantId)).credential)).toMatchObject({ valid: true, license: { nameKanji: '上下　花子' } });
    expect(await verify(first.credential)).toMatchObject({ valid: false, reason: '再交付' });
  });

  it('when the registrant is erased, then death reads 死亡等 and any other erasure 取消', async () => {
    const dead = await insertRegistrant(api.deps.db);
    const other = await insertRegistrant(api.deps.db);
    const [a, b] = [await issue(dead.registrantId), await issue(other.registrantId)];
    await updateRegistrant(api.deps.db, dead.registrantId, { qualification_status: 'erased', erasure_event: 'death', erasure_reason: '死亡' });
    await updateRegistrant(api.deps.db, other.registrantId, { qualification_status: 'erased', erasure_reason: '本人の申請による削除' });
    expect(await verify(a.credential)).toMatchObject({ valid: false, reason: '死亡等' });
    expect(await verify(b.credential)).toMatchObject({ valid: false, reason: '取消' });
  });

  it('when a credential has expired or was altered, then it is refused; a forged one gets no fields back', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const old = await issueCredential(ctx, { registrantId: reg.registrantId, profile: 'standard', purpose: 'holder', actor: 'jest',
      now: Date.now() - 31 * 86_400_000 });
    expect(await verify(old.credential)).toMatchObject({ valid: false, reason: '期限切れ' });
    const bytes = fromBase64Url((await issue(reg.registrantId)).credential)!;
    bytes[bytes.length - 1]! ^= 1;
    expect(await verify(toBase64Url(bytes))).toEqual({ valid: false, reason: '署名不正' });
    expect(await verify('not a credential')).toEqual({ valid: false, reason: '署名不正' });
    expect((await call(api.url, 'POST', '/api/v1/verify', { body: {} })).status).toBe(400);
  });

  it('when the registry changes, then the signed public status list shows it once rebuilt', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const { credential } = await issue(reg.registrantId);
    const claims = parseClaims(parseSign1(fromBase64Url(credential)!)!.payload)!;
    const [, index] = claims.get(CLAIM.status) as [number, number];
    const jwks = (await (await fetch(`${api.url}/.well-known/jwks.json`)).json()) as Jwks;
    expect(jwks.keys.map((k) => k.kid)).toContain(config.CREDENTIAL_ACTIVE_KEY_ID);
    const res = await fetch(`${api.url}/status-lists/1`);
    expect(res.headers.get('cache-control')).toBe(`public, max-age=${config.CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS}`);
    const inflate = async (b: Uint8Array) => new Uint8Array(inflateSync(b));
    const list = (await readStatusList(new Uint8Array(await res.arrayBuffer()), jwks, inflate))!;
    expect(list.size).toBe(config.CREDENTIAL_STATUS_LIST_SIZE);
    expect(statusAt(list, index)).toBe('valid');
    await updateRegistrant(api.deps.db, reg.registrantId, { qualification_status: 'suspended', suspended_until: null });
    // a rebuild (the API does one every CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS) reflects the suspension
    const rebuilt = await ctx.statusList(Date.now() + config.CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS * 1000 + 1000);
    expect(statusAt((await readStatusList(rebuilt.bytes, jwks, inflate))!, index)).toBe('停止中');
  });

  it('when the license is produced, then its paper QR code decodes to a long-lived valid credential', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const paper = await issuePaperLicenseQr(ctx, { registrantId: reg.registrantId });
    // The modules the license PDF draws, as an image with the 4-module quiet zone, 4 px a module.
    const { size, data } = paper.modules;
    const side = (size + 8) * 4;
    const rgba = new Uint8ClampedArray(side * side * 4).fill(255);
    for (let py = 0; py < side; py++) {
      for (let px = 0; px < side; px++) {
        const [row, col] = [Math.floor(py / 4) - 4, Math.floor(px / 4) - 4];
        if (row >= 0 && col >= 0 && row < size && col < size && data[row * size + col]) rgba.fill(0, (py * side + px) * 4, (py * side + px) * 4 + 3);
      }
    }
    const text = jsQR(rgba, side, side)?.data;
    expect(text).toBe(paper.qrUrl);
    expect(Date.parse(paper.expiresAt) - Date.now()).toBeGreaterThan(3000 * 86_400_000);
    expect((await verify(text!)).valid).toBe(true);
  });

  it('when the portal makes a holder link, then only its token reads that registrant’s credential', async () => {
    const reg = await insertRegistrant(api.deps.db);
    const client = await newClient(api.ctx);
    const portal = await call(api.url, 'POST', '/api/v1/auth/token', { body: client });
    const link = await call(api.url, 'POST', `/api/v1/registrants/${reg.registrantId}/holder-link`, { token: String(portal.body.accessToken) });
    expect(link.status).toBe(201);
    const url = new URL(String(link.body.holderUrl));
    expect([url.pathname, url.search]).toEqual(['/h', '']);
    const token = url.hash.slice(1);
    const mine = await call(api.url, 'GET', '/api/v1/holder/credential?profile=with_birth_date', { token });
    expect(mine.status).toBe(200);
    expect(await verify(String(mine.body.credential))).toMatchObject({ valid: true, license: { licenseNumber: reg.licenseNumber, birthDate: '1990-12-31' } });
    expect((await call(api.url, 'GET', '/api/v1/holder/credential', { token: 'x'.repeat(43) })).status).toBe(401);
    expect((await call(api.url, 'GET', '/api/v1/holder/credential')).status).toBe(401);
  });

  it('when the verifier page is served, then it sets no cookie and locks its sources down', async () => {
    for (const path of ['/v', '/v/app.js', '/credential-sw.js', '/h']) {
      const res = await fetch(`${api.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('when one address verifies too often, then it is slowed down; answers are never cached', async () => {
    const app = express();
    app.use(express.json());
    app.use(credentialRoutes(api.deps, { verifyRateLimit: { capacity: 2, refillPerMinute: 1 } }));
    app.use(errorHandler(api.deps.logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(url, 'POST', '/api/v1/verify', { body: { credential: 'x' }, ip: '10.9.9.9' })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const res = await fetch(`${api.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"credential":"x"}' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
