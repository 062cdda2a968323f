/**
 * Password policy after OWASP ASVS 6.2 (v5; 2.1 in v4) and NIST SP 800-63B 5.1.1.2:
 * at least 12 characters (code points, after NFKC), at most 128, any character allowed,
 * NO composition rules (they make passwords predictable, not strong), and a refusal of
 * passwords that are common, trivially repetitive or built from the account's own name.
 *
 * R6.5 also mentions character classes and a maximum age; both are left out on purpose, as
 * ASVS 6.2.5/6.2.10 advise, and `password_changed_at` is recorded should the ministry insist.
 * The common list is a JSON file (so `tsc` copies it into dist/); its `provenance` field says
 * honestly what it is and is not: generated offline, not a breach corpus.
 */
import commonPasswords from './common-passwords.json';
import { normalizeSecret } from './secrets';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'contains_username' | 'repetitive';

export const PASSWORD_PROBLEM_TEXT: Record<PasswordProblem, string> = {
  too_short: `shorter than ${PASSWORD_MIN_LENGTH} characters`,
  too_long: `longer than ${PASSWORD_MAX_LENGTH} characters`,
  common: 'a commonly used password or a common word with digits or symbols added',
  contains_username: 'contains the username',
  repetitive: 'a short pattern repeated',
};

const COMMON: ReadonlySet<string> = new Set(commonPasswords.passwords);

// Cracking rules undo these first; so do we before looking a password up.
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's' };

/** The word inside decorations: `P@ssw0rd2025!` → `password`. */
function core(lower: string): string {
  const stripped = lower.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
  return stripped.replace(/[013457@$]/g, (ch) => LEET[ch] ?? ch);
}

function isCommon(lower: string): boolean {
  if (COMMON.has(lower)) return true;
  const word = core(lower);
  return word.length >= 4 && (COMMON.has(word) || COMMON.has(lower.replace(/[^\p{L}\p{N}]+$/u, '')));
}

/** One unit of up to 4 characters repeated over the whole password (`aaaaaaaaaaaa`, `abcabcabcabc`). */
function isRepetitive(pw: string): boolean {
  const chars = [...pw];
  for (let unit = 1; unit <= 4; unit++) {
    if (chars.every((ch, i) => ch === chars[i % unit])) return true;
  }
  return false;
}

/** Every problem with `password` for the account `username`; empty when it is acceptable. */
export function passwordProblems(password: string, username: string): PasswordProblem[] {
  const pw = normalizeSecret(password);
  const length = [...pw].length;
  const lower = pw.toLowerCase();
  const problems: PasswordProblem[] = [];
  if (length < PASSWORD_MIN_LENGTH) problems.push('too_short');
  if (length > PASSWORD_MAX_LENGTH) problems.push('too_long');
  if (isCommon(lower)) problems.push('common');
  const name = username.toLowerCase();
  if (name.length >= 3 && lower.includes(name)) problems.push('contains_username');
  if (isRepetitive(pw)) problems.push('repetitive');
  return problems;
}
