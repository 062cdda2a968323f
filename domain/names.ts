/**
 * Personal names: the name as registered (氏名, "kanji name") and its reading (フリガナ, "kana
 * name"). Family name (氏) and given name (名) are separated by one ideographic space U+3000.
 *
 * Messages never contain the name, only the position of the offending character.
 *
 * Choices made here:
 * - Kanji name: any letter (漢字 incl. CJK extensions beyond the BMP such as 𠮷, compatibility
 *   ideographs such as 﨑, kana, 々, 〆, ヶ, Latin for foreign residents) plus 〇; a variation
 *   selector only right after a 漢字 (an IVS). No normalisation (see text.ts), because the
 *   exact code points decide which glyph is printed on the license.
 * - Kana name: stored as full-width katakana, the script of the 戸籍 振り仮名 and of the exam
 *   body's list of passers. Hiragana is accepted and converted, because the mapping is one to
 *   one and loses nothing. Half-width katakana (ｶﾀｶﾅ) is rejected with its own message: its voiced
 *   marks are separate characters, and such input usually comes pasted from a legacy system
 *   where other characters may be garbled too, so the person should retype it.
 */
import { characterCount, firstBadPosition, hasUnsafeCharacters, isVariationSelector } from './text';

export type NormaliseResult = { ok: true; value: string } | { ok: false; message: string };

/** Length limits in characters (not UTF-16 units). *Unconfirmed*: sized for the license layout. */
export const NAME_KANJI_MAX_CHARS = 40;
export const NAME_KANA_MAX_CHARS = 60;

const IDEOGRAPHIC_SPACE = '\u3000';
const HALF_WIDTH_KATAKANA = /[\uFF65-\uFF9F]/;
const KATAKANA_PART = /^[\u30A1-\u30F6\u30FC]+$/;
const HAN = /^\p{Script=Han}$/u;
const NAME_BASE = /^[\p{L}\u3007]$/u;

const fail = (message: string): NormaliseResult => ({ ok: false, message });

const MSG = {
  empty: '氏名を入力してください (name is required)',
  separator:
    '姓と名の間に全角スペースを1つ入れてください (separate family and given name with one ideographic space U+3000)',
  unsafe:
    '制御文字・外字（私用領域）などは使用できません (control, format or private-use characters are not allowed)',
  kanjiTooLong: `氏名は${NAME_KANJI_MAX_CHARS}文字以内です (name must be at most ${NAME_KANJI_MAX_CHARS} characters)`,
  kanaTooLong: `フリガナは${NAME_KANA_MAX_CHARS}文字以内です (kana name must be at most ${NAME_KANA_MAX_CHARS} characters)`,
  halfWidth:
    '半角カタカナは使用できません。全角カタカナで入力してください (half-width katakana is not accepted; use full-width katakana)',
  kanjiChar: (pos: number) =>
    `氏名の${pos}文字目に使用できない文字があります (character ${pos} of the name is not allowed)`,
  kanaChar: (pos: number) =>
    `フリガナの${pos}文字目に使用できない文字があります。全角カタカナで入力してください (character ${pos} of the kana name is not full-width katakana)`,
};

/** Checks that there is exactly one U+3000 with text on both sides. */
function hasFamilyAndGiven(name: string): boolean {
  const parts = name.split(IDEOGRAPHIC_SPACE);
  return parts.length === 2 && parts.every((p) => p.length > 0);
}

/** One character of a kanji name: a letter, optionally one variation selector after a 漢字. */
function isNameCharacter(ch: string): boolean {
  if (ch === IDEOGRAPHIC_SPACE) return true;
  const [base, ...selectors] = Array.from(ch);
  if (base === undefined || !NAME_BASE.test(base) || HALF_WIDTH_KATAKANA.test(base)) return false;
  if (selectors.length === 0) return true;
  return selectors.length === 1 && HAN.test(base) && isVariationSelector(selectors[0]!.codePointAt(0)!);
}

/** Validates a kanji name; the value is returned unchanged (no normalisation, see above). */
export function normaliseNameKanji(input: string): NormaliseResult {
  if (input.length === 0) return fail(MSG.empty);
  if (hasUnsafeCharacters(input)) return fail(MSG.unsafe);
  if (!hasFamilyAndGiven(input)) return fail(MSG.separator);
  const bad = firstBadPosition(input, (ch) => !isNameCharacter(ch));
  if (bad > 0) return fail(MSG.kanjiChar(bad));
  if (characterCount(input) > NAME_KANJI_MAX_CHARS) return fail(MSG.kanjiTooLong);
  return { ok: true, value: input };
}

/** ぁ–ゖ (U+3041–U+3096) map to ァ–ヶ by a fixed offset; ゔ → ヴ included. */
export function hiraganaToKatakana(text: string): string {
  return text.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
}

/** Validates a kana name and returns it as full-width katakana. */
export function normaliseNameKana(input: string): NormaliseResult {
  if (input.length === 0) return fail(MSG.empty);
  if (HALF_WIDTH_KATAKANA.test(input)) return fail(MSG.halfWidth);
  if (hasUnsafeCharacters(input)) return fail(MSG.unsafe);
  // NFC is safe for kana (it only composes a decomposed voiced mark: カ + U+3099 → ガ) and
  // input from some keyboards arrives decomposed.
  const value = hiraganaToKatakana(input.normalize('NFC'));
  if (!hasFamilyAndGiven(value)) return fail(MSG.separator);
  const bad = firstBadPosition(value, (ch) => ch !== IDEOGRAPHIC_SPACE && !KATAKANA_PART.test(ch));
  if (bad > 0) return fail(MSG.kanaChar(bad));
  // A prolonged sound mark cannot start a name part (ーア is a typo, not a reading).
  const startsWithBar = value.split(IDEOGRAPHIC_SPACE).findIndex((p) => p.startsWith('ー'));
  if (startsWithBar >= 0) {
    const pos = startsWithBar === 0 ? 1 : characterCount(value.split(IDEOGRAPHIC_SPACE)[0]!) + 2;
    return fail(MSG.kanaChar(pos));
  }
  if (characterCount(value) > NAME_KANA_MAX_CHARS) return fail(MSG.kanaTooLong);
  return { ok: true, value };
}
