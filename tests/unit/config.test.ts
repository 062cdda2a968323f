import { ConfigError, parseConfig } from '../../common/config';

const key = Buffer.alloc(32, 7).toString('base64');
const base = { MYNUMBER_KEYS: `k1:${key}`, MYNUMBER_ACTIVE_KEY_ID: 'k1', MYNUMBER_INDEX_KEY: key,
  TEMPORAL_CODEC_KEYS: `t1:${key}`, TEMPORAL_CODEC_ACTIVE_KEY_ID: 't1', PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123' };

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('when only the secrets are given, then every other variable has a local default', () => {
    const c = parseConfig(base);
    expect(c.PORT).toBe(3000);
    expect(c.TEMPORAL_NAMESPACE).toBe('kyusui');
    expect(c.MYNUMBER_KEYS.get('k1')).toHaveLength(32);
  });

  it('when a variable is malformed, then the error names it and not its value', () => {
    const p = problems({ ...base, PORT: 'eighty', DATABASE_URL: 'postgres://secret-pw@h/db' });
    expect(p.join('\n')).toMatch(/PORT/);
    expect(p.join('\n')).toMatch(/DATABASE_URL/);
    expect(p.join('\n')).not.toMatch(/secret-pw/);
  });

  it('when a key is not 32 bytes or the active key is missing, then start-up is refused', () => {
    expect(problems({ ...base, MYNUMBER_KEYS: 'k1:c2hvcnQ=' }).join()).toMatch(/MYNUMBER_KEYS/);
    expect(problems({ ...base, MYNUMBER_ACTIVE_KEY_ID: 'k9' }).join()).toMatch(/MYNUMBER_ACTIVE_KEY_ID/);
    expect(problems({ MYNUMBER_ACTIVE_KEY_ID: 'k1', MYNUMBER_INDEX_KEY: key }).join()).toMatch(/MYNUMBER_KEYS/);
    expect(problems({ ...base, TEMPORAL_CODEC_ACTIVE_KEY_ID: 'k1' }).join()).toMatch(/TEMPORAL_CODEC_ACTIVE_KEY_ID/);
    expect(problems({ ...base, AUDIT_SIGNING_KEY: `a1:${key},a2:${key}` }).join()).toMatch(/AUDIT_SIGNING_KEY/);
  });
});
