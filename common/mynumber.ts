/**
 * The My Number (個人番号) as a value: check digit, and a scrubber used as the last line of
 * defence on every log line. The number itself is only ever held in memory on its way into the
 * vault (db/vault.ts); nothing here stores it.
 */

/** Check digit by the rule of the My Number ordinance (domain.md, "Data conventions"). */
export function myNumberCheckDigit(base11: string): number {
  if (!/^\d{11}$/.test(base11)) throw new RangeError('base must be 11 digits');
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(base11[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(value: string): boolean {
  return /^\d{12}$/.test(value) && myNumberCheckDigit(value.slice(0, 11)) === Number(value[11]);
}

/**
 * A UUID (kept whole: its last group is 12 hex characters, all digits about once in 200 UUIDs,
 * and then a valid check digit once in 11 — a case ID is not a My Number) or a 12-digit run.
 */
const UUID_OR_TWELVE_DIGITS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])|(?<!\d)\d{12}(?!\d)/gi;

/** Replaces every 12-digit run that carries a valid My Number check digit (UUIDs are left alone). */
export function scrubMyNumbers(text: string): string {
  return text.replace(UUID_OR_TWELVE_DIGITS, (m) => (m.length === 12 && isValidMyNumber(m) ? '[個人番号]' : m));
}
