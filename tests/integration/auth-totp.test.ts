/**
 * The TOTP second factor (api/auth/totp.ts) against RFC 6238's own test vectors, and against
 * otplib run in a child process (otplib cannot load under jest: see totp.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { base32Decode, base32Encode, hotp, matchTotp, newTotpSecret, totpCode, totpUri } from '../../api/auth/totp';

// RFC 6238 appendix B, SHA-1 key "12345678901234567890", 8 digits.
const RFC_KEY = Buffer.from('12345678901234567890');
const VECTORS: [number, string][] = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']];

describe('TOTP', () => {
  it.each(VECTORS)('when the time is %d, then the RFC 6238 code is %s', (t, code) => {
    expect(hotp(RFC_KEY, Math.floor(t / 30), 8)).toBe(code);
  });

  it('when bytes go through base32 and back, then they are unchanged (RFC 4648 vectors too)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Encode(base32Decode(secret))).toBe(secret);
  });

  it('when a code is checked, then one step either side matches, older steps and used steps do not', () => {
    const s = newTotpSecret();
    const now = 1_800_000_000;
    const step = Math.floor(now / 30);
    expect(matchTotp(s, totpCode(s, now - 30), null, 1, now)).toBe(step - 1);
    expect(matchTotp(s, totpCode(s, now + 30), null, 1, now)).toBe(step + 1);
    expect(matchTotp(s, totpCode(s, now - 60), null, 1, now)).toBeNull();
    expect(matchTotp(s, totpCode(s, now), step, 1, now)).toBeNull();
    expect(matchTotp(s, 'abcdef', null, 1, now)).toBeNull();
  });

  it('when otplib computes the same secret and time in plain Node, then it gives the same code and reads the URI', async () => {
    const s = newTotpSecret();
    const epoch = 1_765_432_100;
    const script = `const o = require('otplib');
      o.generate({ secret: ${JSON.stringify(s)}, epoch: ${epoch} }).then((c) => process.stdout.write(c));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
    expect(stdout).toBe(totpCode(s, epoch));
    expect(totpUri('Kyusui-MLIT', 'reviewer1', s)).toBe(
      `otpauth://totp/Kyusui-MLIT%3Areviewer1?secret=${s}&issuer=Kyusui-MLIT&algorithm=SHA1&digits=6&period=30`);
  });
});
