/**
 * The Temporal UI of the dev server (scripts/test.sh starts it) in headless Chromium, reading a
 * real case workflow through our codec (issue #5): without the codec sign-in the input stays
 * ciphertext; after signing in on the API's /codec/login page, with the browser's one-time codec
 * setting ("include cross-origin credentials", made through the UI's own settings panel, as the
 * README tells staff), the decoded input — the case ID, the payment method — is on the page.
 */
import { existsSync } from 'node:fs';
import { QueryTypes } from 'sequelize';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { newStaff, otp, type StaffUser } from '../integration/auth-helpers';
import { actors, fileCase, hasStatus, newPerson, registrationBody, startPipeline, waitForCase, type Pipeline } from './pipeline';

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p));

let p: Pipeline;
let browser: Browser;
let context: BrowserContext;
let caseId: string;
let reviewer: StaffUser;

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('Chromium is missing: `apt-get install chromium` (scripts/test.sh does it)');
  p = await startPipeline();
  const a = await actors(p);
  const person = await newPerson(p);
  caseId = String((await fileCase(p, a.portal, registrationBody(person))).body.caseId);
  await waitForCase(p, a.portal, caseId, hasStatus('under_review'));
  reviewer = await newStaff(p.ctx, 'reviewer');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1440, height: 1200 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await p?.close();
});

const ui = () => p.config.TEMPORAL_UI_URL.replace(/\/$/, '');
const workflowPage = () => `${ui()}/namespaces/${p.config.TEMPORAL_NAMESPACE}/workflows/case-${caseId}`;

/** The one-time setting of the README, through the UI's own Codec Server panel. */
async function configureCodecInUi(page: Page): Promise<void> {
  await page.goto(`${ui()}/namespaces/${p.config.TEMPORAL_NAMESPACE}/workflows`);
  await page.locator('[data-testid^="data-encoder-status"]').first().click();
  await page.getByTestId('override-accordion').getByText('Use Cluster-level setting', { exact: false }).first().click();
  await page.getByText('Use my browser setting and ignore', { exact: false }).last().click();
  await page.locator('#data-encoder-endpoint-input').fill(`${p.url}/codec`);
  await page.locator('#pass-access-credentials').focus(); // "Include cross-origin credentials"
  await page.keyboard.press('Space');
  expect(await page.locator('#pass-access-credentials').isChecked()).toBe(true);
  expect(await page.locator('#pass-access-token').isChecked()).toBe(false);
  await page.getByTestId('confirm-data-encoder-button').click();
}

/** Opens the case's workflow page; returns the codec's answer to the UI and the text of the "Input" block. */
async function inputShown(page: Page): Promise<{ status: number; text: string }> {
  const decode = page.waitForResponse((r) => r.url() === `${p.url}/codec/decode` && r.request().method() === 'POST');
  await page.goto(workflowPage());
  const status = (await decode).status();
  const block = page.getByTestId('input-and-result');
  await block.waitFor({ state: 'visible', timeout: 30_000 });
  if (status === 200) await block.getByText('paymentMethod', { exact: false }).first().waitFor();
  else await block.getByText(Buffer.from('binary/encrypted').toString('base64'), { exact: false }).first().waitFor();
  return { status, text: (await block.innerText()).replace(/\s+/g, ' ') };
}

async function signInOnCodecPage(page: Page, u: StaffUser): Promise<void> {
  await page.goto(`${p.url}/codec/login`);
  await page.locator('#username').fill(u.username);
  await page.locator('#password').fill(u.password);
  await page.locator('#otp').fill(await otp(u.totpSecret));
  await page.locator('button[type=submit]').click();
  await page.getByText(`Signed in as ${u.username}`).waitFor();
}

it('when staff have not signed in to the codec, then the UI shows the case input encrypted; signed in, decoded; signed out, encrypted again', async () => {
  const page = await context.newPage();
  await configureCodecInUi(page);

  const before = await inputShown(page);
  expect(before.status).toBe(401); // the UI did ask the codec, without a sign-in
  expect(before.text).toContain(Buffer.from('binary/encrypted').toString('base64')); // the UI shows metadata in base64
  expect(before.text).not.toContain('paymentMethod');
  expect(before.text).not.toContain(caseId);

  await signInOnCodecPage(page, reviewer);
  const after = await inputShown(page);
  expect(after.status).toBe(200);
  expect(after.text).toContain('paymentMethod');
  expect(after.text).toContain(caseId);
  const decodes = await p.deps.db.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'temporal.payload.decode' AND actor = ? AND outcome = 'ok' AND target_id IS NOT NULL",
    { replacements: [reviewer.username], type: QueryTypes.SELECT });
  expect(Number(decodes[0].n)).toBeGreaterThan(0);

  await page.goto(`${p.url}/codec/login`);
  await page.getByRole('button', { name: /Sign out/ }).click();
  await page.locator('#username').waitFor();
  const out = await inputShown(page);
  expect(out.status).toBe(401);
  expect(out.text).not.toContain(caseId);
}, 120_000);
