/**
 * Validators and normalisers for what applicants (申請者) send, and the zod schema of the
 * applicant object of the API contract (docs: api-contract.md, "Cases").
 *
 * Every message is bilingual and never repeats the input: these values are personal data and
 * error messages end up in API answers and logs. zod 4 itself does not copy the input into an
 * issue unless `reportInput` is set, which this code base must not do.
 */
import { z } from 'zod';
import { isValidMyNumber } from '../common/mynumber';
import { compareIsoDates, INVALID_DATE_MESSAGE, isIsoDate, type IsoDate, todayInTokyo } from './iso-date';
import { normaliseNameKana, normaliseNameKanji, type NormaliseResult } from './names';
import { characterCount, foldDigitsAndHyphens, hasUnsafeCharacters } from './text';

export type { NormaliseResult } from './names';
export { normaliseNameKanji, normaliseNameKana, hiraganaToKatakana, NAME_KANJI_MAX_CHARS, NAME_KANA_MAX_CHARS } from './names';

const ok = (value: string): NormaliseResult => ({ ok: true, value });
const fail = (message: string): NormaliseResult => ({ ok: false, message });

/** Postal code (郵便番号): '1000013', '100-0013', '〒１００－００１３' → '1000013'. */
export function normalisePostalCode(input: string): NormaliseResult {
  const v = foldDigitsAndHyphens(input).replace(/^〒\s*/, '');
  if (/^\d{7}$/.test(v)) return ok(v);
  if (/^\d{3}-\d{4}$/.test(v)) return ok(v.replace('-', ''));
  return fail('郵便番号は7桁の数字で入力してください（例: 100-0013） (postal code must be 7 digits, e.g. 100-0013)');
}

/**
 * Phone number (電話番号) to ASCII digits. Mobile and IP phones (090/080/070/050) have 11 digits,
 * fixed lines 10. A leading +81 (international form) is read as the domestic 0.
 * 0800 free-dial numbers have 11 digits and start with 080, so the same rule covers them.
 */
export function normalisePhone(input: string): NormaliseResult {
  const folded = foldDigitsAndHyphens(input).trim();
  const domestic = folded.replace(/^\+81-?/, '0');
  if (!/^[\d-]+$/.test(domestic) || /--|^-|-$/.test(domestic)) return fail(PHONE_FORMAT);
  const digits = domestic.replace(/-/g, '');
  if (/^0[5789]0/.test(digits)) return /^0[5789]0\d{8}$/.test(digits) ? ok(digits) : fail(PHONE_MOBILE);
  return /^0[1-9]\d{8}$/.test(digits) ? ok(digits) : fail(PHONE_FIXED);
}

const PHONE_FORMAT = '電話番号は数字とハイフンで入力してください (phone number may contain only digits and hyphens)';
const PHONE_MOBILE =
  '携帯電話・IP電話の番号（090/080/070/050）は11桁です (mobile and IP phone numbers have 11 digits)';
const PHONE_FIXED = '固定電話の番号は0から始まる10桁です (fixed-line numbers have 10 digits starting with 0)';

/** An ISO calendar date 'YYYY-MM-DD' that exists (no 2026-02-30). */
export function validateIsoDate(input: string): NormaliseResult {
  return isIsoDate(input) ? ok(input) : fail(INVALID_DATE_MESSAGE);
}

/** Earliest birth date accepted; an earlier one is a typo, not an applicant. */
export const EARLIEST_BIRTH_DATE: IsoDate = '1900-01-01';

/** Birth date (生年月日): a real date, not after `today` (Japan time), not before 1900. */
export function validateBirthDate(input: string, today: IsoDate = todayInTokyo()): NormaliseResult {
  if (!isIsoDate(input)) return fail(INVALID_DATE_MESSAGE);
  if (compareIsoDates(input, today) > 0) {
    return fail('生年月日に未来の日付は指定できません (birth date must not be in the future)');
  }
  if (compareIsoDates(input, EARLIEST_BIRTH_DATE) < 0) {
    return fail('生年月日が古すぎます (birth date is before 1900-01-01)');
  }
  return ok(input);
}

/**
 * Passer number (合格者番号) and license number (免状番号): opaque identifiers. Full-width
 * letters/digits are folded to ASCII (a clerk may type them so); nothing else changes — leading
 * zeros and letter case are part of the identifier.
 */
export function normaliseOpaqueId(input: string): NormaliseResult {
  const v = foldDigitsAndHyphens(input);
  if (/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,31})$/.test(v)) return ok(v);
  return fail(
    '番号は英数字とハイフン32文字以内で入力してください (identifier must be 1–32 letters, digits or hyphens, starting with a letter or digit)',
  );
}

export interface FieldLabel {
  ja: string;
  en: string;
}

/** Free text such as an address (住所) or 本籍: no control characters, bounded length. */
export function validateFreeText(input: string, label: FieldLabel, maxChars: number): NormaliseResult {
  const { ja, en } = label;
  if (input.trim().length === 0) return fail(`${ja}を入力してください (${en} is required)`);
  if (hasUnsafeCharacters(input)) {
    return fail(`${ja}に制御文字などは使用できません (control characters are not allowed in ${en})`);
  }
  if (characterCount(input) > maxChars) {
    return fail(`${ja}は${maxChars}文字以内です (${en} must be at most ${maxChars} characters)`);
  }
  return ok(input);
}

// ---- zod ----------------------------------------------------------------------------------

/** Wraps a normaliser as a zod string schema whose output is the normalised value. */
export function zodFromNormaliser(normalise: (input: string) => NormaliseResult, typeMessage: string) {
  return z.string({ error: typeMessage }).transform((value, ctx) => {
    const result = normalise(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

const STRING_REQUIRED = '文字列で入力してください (must be a string)';

export const postalCodeSchema = zodFromNormaliser(normalisePostalCode, STRING_REQUIRED);
export const phoneSchema = zodFromNormaliser(normalisePhone, STRING_REQUIRED);
export const nameKanjiSchema = zodFromNormaliser(normaliseNameKanji, STRING_REQUIRED);
export const nameKanaSchema = zodFromNormaliser(normaliseNameKana, STRING_REQUIRED);
export const isoDateSchema = zodFromNormaliser(validateIsoDate, STRING_REQUIRED);
export const passerNumberSchema = zodFromNormaliser(normaliseOpaqueId, STRING_REQUIRED);
export const licenseNumberSchema = zodFromNormaliser(normaliseOpaqueId, STRING_REQUIRED);

/** My Number (個人番号): 12 ASCII digits with a valid check digit (common/mynumber.ts). */
export const myNumberSchema = z
  .string({ error: STRING_REQUIRED })
  .refine((v) => isValidMyNumber(v), {
    error: '個人番号は検査用数字の正しい12桁の数字です (My Number must be 12 digits with a valid check digit)',
  });

/**
 * Sex (性別) as recorded in the resident registry (住民票), which knows 男 and 女 only; the
 * contract matches applicants against 住基ネット, so no third value is accepted here.
 */
export const sexSchema = z.enum(['male', 'female'], {
  error: '性別は male または female です (sex must be "male" or "female")',
});

export interface ApplicantSchemaOptions {
  /** Today's date for the birth-date check; defaults to the date in Japan at parse time. */
  today?: () => IsoDate;
}

/** The applicant object of POST /api/v1/cases. Unknown keys are rejected (minimal acquisition). */
export function createApplicantSchema(options: ApplicantSchemaOptions = {}) {
  const today = options.today ?? (() => todayInTokyo());
  return z.strictObject({
    myNumber: myNumberSchema.optional(),
    nameKanji: nameKanjiSchema,
    nameKana: nameKanaSchema,
    birthDate: zodFromNormaliser((v) => validateBirthDate(v, today()), STRING_REQUIRED),
    sex: sexSchema,
    postalCode: postalCodeSchema,
    address: zodFromNormaliser((v) => validateFreeText(v, { ja: '住所', en: 'address' }, 200), STRING_REQUIRED),
    phone: phoneSchema,
    email: z.email({ error: 'メールアドレスの形式が正しくありません (email address is not valid)' }).max(254, {
      error: 'メールアドレスが長すぎます (email address is too long)',
    }),
    honseki: zodFromNormaliser((v) => validateFreeText(v, { ja: '本籍', en: 'registered domicile (honseki)' }, 200), STRING_REQUIRED),
  });
}

export const applicantSchema = createApplicantSchema();
export type Applicant = z.output<typeof applicantSchema>;
export type ApplicantInput = z.input<typeof applicantSchema>;
