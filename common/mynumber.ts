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

const TWELVE_DIGITS = /(?<!\d)\d{12}(?!\d)/g;

/** Replaces every 12-digit run that carries a valid My Number check digit. */
export function scrubMyNumbers(text: string): string {
  return text.replace(TWELVE_DIGITS, (m) => (isValidMyNumber(m) ? '[個人番号]' : m));
}
