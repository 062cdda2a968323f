/**
 * The verifier (/v) and holder (/h) pages in headless Chromium (Debian's build, driven by
 * playwright-core; scripts/lib.sh installs it for the test env). Online first, then with the
 * server gone: the service worker serves the pages and the pages verify from their cache.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { config } from '../helpers/env';
import { startApi, type TestApi } from '../integration/auth-helpers';
import { createHolderLink, credentialContext, issueCredential, type CredentialContext, type IssuedCredential } from '../../credential/service';
import { fromBase64Url, toDigits } from '../../credential/codec';
import { qrPng } from '../../credential/qr';
import { insertRegistrant, updateRegistrant } from './registry-fixture';

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p));

let api: TestApi;
let ctx: CredentialContext;
let browser: Browser;
let context: BrowserContext;
let valid: IssuedCredential;
let revoked: IssuedCredential;
let holderUrl: string;
let apiClosed = false;

const fragment = (c: IssuedCredential) => toDigits(fromBase64Url(c.credential)!);
const issue = (registrantId: string) => issueCredential(ctx, { registrantId, profile: 'standard', purpose: 'holder', actor: 'jest' });

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('Chromium is missing: `apt-get install chromium` (scripts/test.sh does it)');
  api = await startApi();
  ctx = credentialContext(config, api.deps.db);
  const a = await insertRegistrant(api.deps.db, { nameKanji: '𠮷野　髙志' });
  const b = await insertRegistrant(api.deps.db);
  valid = await issue(a.registrantId);
  revoked = await issue(b.registrantId);
  await updateRegistrant(api.deps.db, b.registrantId, { qualification_status: 'revoked' });
  holderUrl = (await createHolderLink(ctx, { registrantId: a.registrantId, actor: 'jest' })).holderUrl;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
});

afterAll(async () => {
  await browser?.close();
  if (!apiClosed) await api?.close();
});

async function verdictOf(page: Page): Promise<{ verdict: string; reason: string; source: string }> {
  await page.locator('#result').waitFor({ state: 'visible' });
  return {
    verdict: (await page.locator('#verdict').textContent()) ?? '',
    reason: (await page.locator('#reason').textContent()) ?? '',
    source: (await page.locator('#source').textContent()) ?? '',
  };
}

async function openVerifier(c: IssuedCredential, setup?: (p: Page) => Promise<void>): Promise<Page> {
  const page = await context.newPage();
  if (setup) await setup(page);
  await page.goto(`${api.url}/v#${fragment(c)}`);
  return page;
}

describe('verifier and holder pages in Chromium', () => {
  it('when online, then the page verifies a scanned QR URL, reminds of photo ID, and clears the fragment', async () => {
    const page = await openVerifier(valid);
    expect(await verdictOf(page)).toMatchObject({ verdict: '有効です', source: 'オンラインで照会しました' });
    expect(await page.locator('[data-field="nameKanji"]').textContent()).toBe('𠮷野　髙志');
    expect(await page.locator('#reminder').isVisible()).toBe(true);
    expect(new URL(page.url()).hash).toBe('');
    expect(await context.cookies()).toEqual([]);
    await page.close();
    const bad = await openVerifier(revoked);
    expect(await verdictOf(bad)).toMatchObject({ verdict: '無効です', reason: '理由: 取消' });
    expect(await bad.locator('#reminder').isVisible()).toBe(false);
    await bad.close();
  });

  it('when a photo of the QR code is chosen, then the page reads it and verifies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyusui-qr-'));
    const file = path.join(dir, 'qr.png');
    writeFileSync(file, await qrPng(valid.qrUrl, 6));
    const page = await context.newPage();
    await page.goto(`${api.url}/v`);
    await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
    await page.locator('#file').setInputFiles(file);
    expect(await verdictOf(page)).toMatchObject({ verdict: '有効です' });
    // the service worker is in place and holds the page for offline use
    // (page code as strings: the tests are compiled without the DOM library)
    await page.evaluate('navigator.serviceWorker.ready.then(() => undefined)');
    await page.waitForFunction(`caches.open('kyusui-credential-pages-v1').then((c) => c.keys()).then((k) => k.length === 2)`);
    expect(await page.evaluate(`!!localStorage.getItem('kyusui.verifier.statusList')`)).toBe(true);
    await page.close();
  });

  it('when the holder opens the portal link, then the page shows the license and a QR code that verifies', async () => {
    const page = await context.newPage();
    await page.goto(`${api.url}/h${new URL(holderUrl).hash}`); // the link's own origin is PUBLIC_BASE_URL
    await page.locator('#card').waitFor({ state: 'visible' });
    expect(await page.locator('[data-field="licenseNumber"]').textContent()).toMatch(/^T-/);
    expect(await page.locator('#reminder').textContent()).toContain('写真付きの本人確認書類');
    expect(new URL(page.url()).hash).toBe('');
    const shot = PNG.sync.read(await page.locator('#qr').screenshot());
    const text = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)?.data;
    expect(text).toMatch(/\/v#[0-9]+$/);
    const res = await fetch(`${api.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credential: text }) });
    expect(await res.json()).toMatchObject({ valid: true });
    await page.evaluate('navigator.serviceWorker.ready.then(() => undefined)');
    await page.waitForFunction(`caches.open('kyusui-credential-pages-v1').then((c) => c.match('/h')).then(Boolean)`);
    await page.close();
  });

  it('when the server is gone, then both pages still work from the cache, and a stale list never says 有効です', async () => {
    await api.close();
    apiClosed = true;
    await context.setOffline(true);

    const ok = await openVerifier(valid);
    expect(await verdictOf(ok)).toMatchObject({ verdict: '有効です' });
    expect((await verdictOf(ok)).source).toContain('オフライン');
    const bad = await openVerifier(revoked);
    expect(await verdictOf(bad)).toMatchObject({ verdict: '無効です', reason: '理由: 取消' });
    const tampered = { ...valid, credential: valid.credential.slice(0, -3) + (valid.credential.endsWith('AAA') ? 'BBB' : 'AAA') };
    expect(await verdictOf(await openVerifier(tampered))).toMatchObject({ verdict: '無効です', reason: '理由: 署名不正' });

    const later = await openVerifier(valid, (p) => p.clock.setFixedTime(Date.now() + 25 * 3600_000));
    const stale = await verdictOf(later);
    expect(stale.verdict).toBe('確認できません');
    expect(await later.locator('#verdict').textContent()).not.toContain('有効です');

    const holder = await context.newPage();
    await holder.goto(`${api.url}/h`);
    await holder.locator('#card').waitFor({ state: 'visible' });
    expect(await holder.locator('#state').textContent()).toContain('オフライン表示');
    expect(await holder.locator('[data-field="nameKanji"]').textContent()).toBe('𠮷野　髙志');
  });
});
