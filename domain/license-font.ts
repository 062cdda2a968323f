// subset-font ships no types. tsconfig's "include" does not list domain/ (yet), so the
// declaration is pulled in explicitly; drop this line once domain/ is included.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./subset-font.d.ts" />
/**
 * The font for the license (免状): IPAmj明朝, which covers the MJ character set (文字情報基盤)
 * used for 戸籍 names, including ideographic variation sequences (IVS).
 *
 * Why subset with HarfBuzz first: pdf-lib's own subsetting (`embedFont(…, { subset: true })`)
 * keeps the text extractable but draws most IPAmj glyphs blank (docs/domain.md). hb-subset via
 * the `subset-font` package keeps them, and the result is small enough (tens of KB) to embed
 * whole with `subset: false`.
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
import subsetFont from 'subset-font';
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

/** The font file (46 MB for IPAmj明朝) is read once per process, not once per license. */
const fontCache = new Map<string, Promise<Buffer>>();
function fontBytes(fontPath: string): Promise<Buffer> {
  let bytes = fontCache.get(fontPath);
  if (!bytes) {
    bytes = readFile(fontPath);
    bytes.catch(() => fontCache.delete(fontPath));
    fontCache.set(fontPath, bytes);
  }
  return bytes;
}

/**
 * Subsets the font to exactly `text` (variation selectors included, so the IVS table keeps the
 * sequences used) and returns the subset bytes with the parsed font.
 */
export async function subsetFontForText(fontPath: string, text: string): Promise<{ bytes: Uint8Array; font: Font }> {
  const original = await fontBytes(fontPath);
  const subset = await subsetFont(original, text, { targetFormat: 'sfnt' });
  const bytes = new Uint8Array(subset.buffer, subset.byteOffset, subset.byteLength);
  return { bytes, font: fontkit.create(subset) };
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
