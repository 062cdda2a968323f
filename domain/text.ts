/**
 * Text helpers shared by the validators and the license renderer.
 *
 * Lengths are never taken with `String#length` (UTF-16 code units): 𠮷 (U+20BB7) is two code
 * units, and an ideographic variation sequence (IVS, 異体字セレクタ付きの文字) such as 邊+U+E0108
 * is three. A "character" here is what a person counts in a name: one code point plus any
 * variation selectors that follow it.
 *
 * Nothing here applies Unicode normalisation (NFC/NFKC) to names on purpose: NFC maps most CJK
 * compatibility ideographs (U+F900–U+FAFF, e.g. 侮 U+FA30 → 侮 U+4FAE) to their unified form, which
 * would silently change how a registered name is printed.
 */

/** Variation selectors: standardized (VS1–16) and ideographic (VS17–256, used for IVS). */
export function isVariationSelector(codePoint: number): boolean {
  return (codePoint >= 0xfe00 && codePoint <= 0xfe0f) || (codePoint >= 0xe0100 && codePoint <= 0xe01ef);
}

/** Splits text into characters: a base code point with the variation selectors after it. */
export function splitCharacters(text: string): string[] {
  const chars: string[] = [];
  for (const cp of text) {
    const last = chars.length - 1;
    if (last >= 0 && isVariationSelector(cp.codePointAt(0)!)) chars[last] += cp;
    else chars.push(cp);
  }
  return chars;
}

export function characterCount(text: string): number {
  return splitCharacters(text).length;
}

/** Full-width ASCII variants (！ … ～, U+FF01–U+FF5E) to ASCII; everything else unchanged. */
export function foldFullWidthAscii(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * Characters people type for a hyphen in numbers: hyphen-minus, the Unicode dashes, minus sign,
 * full-width hyphen-minus, and the katakana prolonged sound marks (ー, ｰ) that a Japanese input
 * method produces when the hyphen key is pressed in kana mode.
 */
const HYPHEN_LIKE = /[\u002D\u2010-\u2015\u2212\u30FC\uFE63\uFF0D\uFF70]/g;

/** Folds full-width digits/letters to ASCII and every hyphen-like character to '-'. */
export function foldDigitsAndHyphens(text: string): string {
  return foldFullWidthAscii(text.replace(HYPHEN_LIKE, '-'));
}

/**
 * Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned code points.
 * Bidi overrides can make a stored value display differently from what it is; private-use code
 * points are legacy 外字 that no other system can read.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/u;

export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/** 1-based position of the first character matching `bad`, or 0 when none does. */
export function firstBadPosition(text: string, bad: (ch: string) => boolean): number {
  const i = splitCharacters(text).findIndex(bad);
  return i + 1;
}
