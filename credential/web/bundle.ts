/**
 * The browser scripts of the verifier and holder pages, bundled by esbuild from the TypeScript
 * next to this file (the same codec and verification code the server runs), once per process
 * on first request. A production image that ships only dist/ can prebuild them with
 * `writeWebBundles(dir)`; `webAsset` then serves the prebuilt files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const WEB_ENTRIES = { verifier: 'verifier-page', holder: 'holder-page', sw: 'sw' } as const;
export type WebEntry = keyof typeof WEB_ENTRIES;

const SOURCE_DIR = __dirname;
const PREBUILT_DIR = path.join(__dirname, 'static');
const cache = new Map<WebEntry, Promise<string>>();

async function build(entry: WebEntry): Promise<string> {
  const prebuilt = path.join(PREBUILT_DIR, `${entry}.js`);
  const source = path.join(SOURCE_DIR, `${WEB_ENTRIES[entry]}.ts`);
  if (!existsSync(source) && existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [source], bundle: true, write: false, format: 'iife', platform: 'browser', target: ['es2020'],
    minify: true, legalComments: 'none', logLevel: 'silent', charset: 'utf8',
    tsconfig: path.join(SOURCE_DIR, 'tsconfig.json'),
  });
  return result.outputFiles[0]!.text;
}

/** The script of one page (cached; a failed build is retried on the next request). */
export function webScript(entry: WebEntry): Promise<string> {
  let p = cache.get(entry);
  if (!p) {
    p = build(entry);
    cache.set(entry, p);
    p.catch(() => cache.delete(entry));
  }
  return p;
}

/** The HTML of a page (static: every dynamic part is filled by its script). */
export function webPage(name: 'verifier' | 'holder'): string {
  const file = path.join(SOURCE_DIR, `${name}.html`);
  return readFileSync(existsSync(file) ? file : path.join(PREBUILT_DIR, `${name}.html`), 'utf8');
}

/** Writes every script and page into `dir` (for images without the TypeScript sources). */
export async function writeWebBundles(dir = PREBUILT_DIR): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const entry of Object.keys(WEB_ENTRIES) as WebEntry[]) writeFileSync(path.join(dir, `${entry}.js`), await webScript(entry));
  for (const name of ['verifier', 'holder'] as const) writeFileSync(path.join(dir, `${name}.html`), webPage(name));
}
