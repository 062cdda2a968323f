/**
 * The font for the license (免状): IPAmj明朝, which covers the MJ character set (文字情報基盤)
 * used for 戸籍 names, including ideographic variation sequences (IVS).
 *
 * Why subset with HarfBuzz first: pdf-lib's own subsetting (`embedFont(…, { subset: true })`)
 * keeps the text extractable but draws most IPAmj glyphs blank (docs/domain.md). hb-subset
 * (HarfBuzz compiled to WebAssembly, the `harfbuzzjs` package) keeps them, and the result is small
 * enough (tens of KB) to embed whole with `subset: false`.
 *
 * Why our own few calls into harfbuzzjs rather than the `subset-font` wrapper: that wrapper copies
 * the whole 46 MB font into WebAssembly memory and parses it again for every subset (~60 ms a
 * license, the worker's largest single cost in bench:cases). Here the font is loaded into HarfBuzz
 * once per process and kept as a face; a subset of it then takes ~5 ms. The subset options are
 * the wrapper's defaults (all layout features kept, default flags), so the bytes are the same.
 *
 * Why check glyphs: a name printed with a missing glyph (blank or tofu) is a defective license,
 * and pdf-lib draws nothing for a character the font lacks, without an error. The check runs on
 * the subset font, i.e. on exactly the bytes that are embedded.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as fontkit from '@pdf-lib/fontkit';
import type { Font } from '@pdf-lib/fontkit';
import { splitCharacters } from './text';

const FONT_FILE = 'ipamjm.ttf';
/** Debian's fonts-ipamj-mincho path first, then a scan of the usual font folders. */
const KNOWN_PATHS = ['/usr/share/fonts/truetype/ipamj/ipamjm.ttf', '/usr/share/fonts/opentype/ipamj/ipamjm.ttf'];
const FONT_ROOTS = ['/usr/share/fonts', '/usr/local/share/fonts'];

/** A printed field whose characters must all have glyphs; `field` names it in errors. */
export interface TextField {
  field: string;
  text: string;
}

/** Thrown instead of printing a blank or tofu; names the field and position, never the text. */
export class MissingGlyphError extends Error {
  constructor(
    readonly field: string,
    readonly position: number,
  ) {
    super(
      `免状のフォントに ${field} の${position}文字目の字形がありません (the license font has no glyph for character ${position} of ${field})`,
    );
    this.name = 'MissingGlyphError';
  }
}

/** Finds ipamjm.ttf; throws with installation advice when it is nowhere. */
export function findIpamjFont(): string {
  const found = KNOWN_PATHS.find((p) => existsSync(p)) ?? scanFontRoots();
  if (found) return found;
  throw new Error(
    'IPAmj明朝 (ipamjm.ttf) が見つかりません。fonts-ipamj-mincho を導入するか fontPath を指定してください (IPAmj Mincho not found: install fonts-ipamj-mincho or pass fontPath)',
  );
}

function scanFontRoots(): string | undefined {
  for (const root of FONT_ROOTS) {
    for (const format of listDir(root)) {
      const dirs = [join(root, format), ...listDir(join(root, format)).map((d) => join(root, format, d))];
      const hit = dirs.map((d) => join(d, FONT_FILE)).find((p) => existsSync(p));
      if (hit) return hit;
    }
  }
  return undefined;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The part of HarfBuzz's C API (harfbuzz-subset.wasm) used here; pointers are wasm addresses. */
interface HarfBuzz {
  memory: { buffer: ArrayBuffer };
  _initialize(): void;
  malloc(size: number): number;
  hb_blob_create(data: number, length: number, mode: number, userData: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, codePoint: number): void;
  hb_set_clear(set: number): void;
  hb_set_invert(set: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_set(input: number, which: number): number;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_or_fail(face: number, input: number): number;
}

/** Node's WebAssembly global (the project's TypeScript lib settings leave out its types). */
const webAssembly = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }> };
}).WebAssembly;

const HB_MEMORY_MODE_READONLY = 1;
const HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6;

let harfBuzz: Promise<HarfBuzz> | undefined;
function loadHarfBuzz(): Promise<HarfBuzz> {
  harfBuzz ??= (async () => {
    const wasm = await readFile(require.resolve('harfbuzzjs/dist/harfbuzz-subset.wasm'));
    const { instance } = await webAssembly.instantiate(wasm);
    const hb = instance.exports as unknown as HarfBuzz;
    hb._initialize();
    return hb;
  })();
  harfBuzz.catch(() => (harfBuzz = undefined));
  return harfBuzz;
}

/**
 * One HarfBuzz face per font file and process: the file is read and copied into WebAssembly
 * memory once (never freed: the process renders licenses until it stops).
 */
const faces = new Map<string, Promise<number>>();
function faceFor(fontPath: string): Promise<number> {
  let face = faces.get(fontPath);
  if (!face) {
    face = (async () => {
      const [hb, bytes] = await Promise.all([loadHarfBuzz(), readFile(fontPath)]);
      const at = hb.malloc(bytes.byteLength);
      if (at === 0) throw new Error('HarfBuzz could not allocate memory for the license font');
      new Uint8Array(hb.memory.buffer).set(bytes, at);
      const blob = hb.hb_blob_create(at, bytes.byteLength, HB_MEMORY_MODE_READONLY, 0, 0);
      const created = hb.hb_face_create(blob, 0);
      hb.hb_blob_destroy(blob); // the face holds its own reference
      return created;
    })();
    face.catch(() => faces.delete(fontPath));
    faces.set(fontPath, face);
  }
  return face;
}

/**
 * Subsets the font to exactly `text` (variation selectors included, so the IVS table keeps the
 * sequences used) and returns the subset bytes with the parsed font. Synchronous between the
 * awaits, so concurrent callers never interleave inside HarfBuzz.
 */
export async function subsetFontForText(fontPath: string, text: string): Promise<{ bytes: Uint8Array; font: Font }> {
  const [hb, face] = await Promise.all([loadHarfBuzz(), faceFor(fontPath)]);
  const input = hb.hb_subset_input_create_or_fail();
  if (input === 0) throw new Error('HarfBuzz could not create a subset input');
  let subset = 0;
  try {
    const features = hb.hb_subset_input_set(input, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG);
    hb.hb_set_clear(features);
    hb.hb_set_invert(features); // keep every layout feature (hb-subset --layout-features='*')
    const unicodes = hb.hb_subset_input_unicode_set(input);
    for (const c of text) hb.hb_set_add(unicodes, c.codePointAt(0)!);
    subset = hb.hb_subset_or_fail(face, input);
  } finally {
    hb.hb_subset_input_destroy(input);
  }
  if (subset === 0) throw new Error('HarfBuzz could not subset the license font');
  const blob = hb.hb_face_reference_blob(subset);
  try {
    const at = hb.hb_blob_get_data(blob, 0);
    const length = hb.hb_blob_get_length(blob);
    if (length === 0) throw new Error('HarfBuzz produced an empty subset of the license font');
    // Copied out: the wasm memory is reused by the next subset (and may grow, detaching views).
    const bytes = new Uint8Array(hb.memory.buffer, at, length).slice();
    return { bytes, font: fontkit.create(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
  } finally {
    hb.hb_blob_destroy(blob);
    hb.hb_face_destroy(subset);
  }
}

/** Throws MissingGlyphError for the first character of any field that the font cannot draw. */
export function assertGlyphsAvailable(font: Font, fields: readonly TextField[]): void {
  const uvs = readUvsTable(font);
  for (const { field, text } of fields) {
    splitCharacters(text).forEach((ch, i) => {
      if (!canDraw(font, uvs, ch)) throw new MissingGlyphError(field, i + 1);
    });
  }
}

function canDraw(font: Font, uvs: UvsRecord[], ch: string): boolean {
  const [base, ...selectors] = Array.from(ch).map((c) => c.codePointAt(0)!);
  if (base === undefined || !font.hasGlyphForCodePoint(base)) return false;
  if (selectors.length === 0) return true;
  if (selectors.length > 1) return false;
  const record = uvs.find((r) => r.varSelector === selectors[0]);
  if (!record) return false;
  if (toArray(record.defaultUVS).some((r) => base >= r.startUnicodeValue && base <= r.startUnicodeValue + r.additionalCount)) {
    return true; // the sequence asks for the glyph the base code point already has
  }
  const mapping = toArray(record.nonDefaultUVS).find((r) => r.unicodeValue === base);
  // Also require that fontkit (which pdf-lib uses to pick glyphs) resolves the sequence to that
  // glyph: its lookup can miss when a selector has both default and non-default records.
  return mapping !== undefined && font.glyphsForString(ch)[0]?.id === mapping.glyphID;
}

// ---- cmap format 14 (Unicode Variation Sequences), as parsed by fontkit ----------------------
// fontkit parses the table but exposes it only as the untyped `font.cmap`; read it defensively.

interface UvsRecord {
  varSelector: number;
  defaultUVS?: ArrayLike<{ startUnicodeValue: number; additionalCount: number }> | null;
  nonDefaultUVS?: ArrayLike<{ unicodeValue: number; glyphID: number }> | null;
}

interface CmapTable {
  tables?: Array<{ table?: { version?: number; varSelectors?: { toArray(): UvsRecord[] } } }>;
}

function readUvsTable(font: Font): UvsRecord[] {
  const cmap = (font as unknown as { cmap?: CmapTable }).cmap;
  const uvs = cmap?.tables?.find((t) => t.table?.version === 14)?.table?.varSelectors;
  return uvs ? uvs.toArray() : [];
}

function toArray<T>(list: ArrayLike<T> | { toArray(): T[] } | null | undefined): T[] {
  if (!list) return [];
  return 'toArray' in list ? list.toArray() : Array.from(list);
}
