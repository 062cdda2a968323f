import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, parseConfig } from '../../common/config';
import { createSigner } from '../../credential/keys';
import { checkCredential } from '../../credential/verify-core';
import { NOW, credential } from './helpers';

const aes = Buffer.alloc(32, 7).toString('base64');
const base = { MYNUMBER_KEYS: `k1:${aes}`, MYNUMBER_ACTIVE_KEY_ID: 'k1', MYNUMBER_INDEX_KEY: aes, PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123',
  TEMPORAL_CODEC_KEYS: `t1:${aes}`, TEMPORAL_CODEC_ACTIVE_KEY_ID: 't1' };
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pkcs8 = (k: ReturnType<typeof p256>) => k.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
const spki = (k: ReturnType<typeof p256>) => k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

function problems(env: Record<string, string>): string {
  try {
    parseConfig(env);
    return '';
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
}

describe('credential keys and rotation', () => {
  it('when the signing key is rotated, then credentials of the retired key stay verifiable and both keys are published', async () => {
    const [old, next] = [p256(), p256()];
    const before = parseConfig({ ...base, CREDENTIAL_SIGNING_KEYS: `c1:${pkcs8(old)}`, CREDENTIAL_ACTIVE_KEY_ID: 'c1' });
    const issuedBefore = credential(createSigner(before.CREDENTIAL_SIGNING_KEYS!, 'c1'));
    // the old private key is destroyed: only its public half (SPKI) stays in the ring
    const after = parseConfig({ ...base, CREDENTIAL_SIGNING_KEYS: `c2:${pkcs8(next)},c1:${spki(old)}`, CREDENTIAL_ACTIVE_KEY_ID: 'c2' });
    const signer = createSigner(after.CREDENTIAL_SIGNING_KEYS!, 'c2');
    expect(signer.jwks().keys.map((k) => k.kid)).toEqual(['c2', 'c1']);
    expect(JSON.stringify(signer.jwks())).not.toMatch(/"d"/); // never a private part
    expect((await checkCredential(issuedBefore, signer.jwks(), NOW)).ok).toBe(true);
    expect(await checkCredential(credential(signer), signer.jwks(), NOW)).toMatchObject({ ok: true, kid: 'c2' });
    // once c1 leaves the ring (its credentials have expired), its credentials no longer verify
    const pruned = createSigner(new Map([...after.CREDENTIAL_SIGNING_KEYS!].filter(([kid]) => kid === 'c2')), 'c2');
    expect((await checkCredential(issuedBefore, pruned.jwks(), NOW)).ok).toBe(false);
  });

  it('when the key ring is malformed or the active key cannot sign, then start-up is refused naming the variable', () => {
    const k = p256();
    expect(problems({ ...base, CREDENTIAL_SIGNING_KEYS: 'c1:bm90IGEga2V5', CREDENTIAL_ACTIVE_KEY_ID: 'c1' })).toMatch(/CREDENTIAL_SIGNING_KEYS/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(problems({ ...base, CREDENTIAL_SIGNING_KEYS: `c1:${p384}`, CREDENTIAL_ACTIVE_KEY_ID: 'c1' })).toMatch(/CREDENTIAL_SIGNING_KEYS/);
    expect(problems({ ...base, CREDENTIAL_SIGNING_KEYS: `c1:${spki(k)}`, CREDENTIAL_ACTIVE_KEY_ID: 'c1' })).toMatch(/CREDENTIAL_ACTIVE_KEY_ID/);
    expect(problems({ ...base, CREDENTIAL_SIGNING_KEYS: `c1:${pkcs8(k)}`, CREDENTIAL_ACTIVE_KEY_ID: 'c9' })).toMatch(/CREDENTIAL_ACTIVE_KEY_ID/);
    expect(problems({ ...base, NODE_ENV: 'production' })).toMatch(/CREDENTIAL_ACTIVE_KEY_ID/);
    expect(problems({ ...base, CREDENTIAL_SIGNING_KEYS: `c1:${pkcs8(k)}`, CREDENTIAL_ACTIVE_KEY_ID: 'c1' })).toBe('');
    expect(problems(base)).toBe(''); // outside production the credential is optional (its routes answer 503)
    const truncated = problems({ ...base, CREDENTIAL_SIGNING_KEYS: `c1:${pkcs8(k).slice(0, 60)}`, CREDENTIAL_ACTIVE_KEY_ID: 'c1' });
    expect(truncated).toMatch(/CREDENTIAL_SIGNING_KEYS/);
    expect(truncated).not.toContain(pkcs8(k).slice(0, 20)); // the message never echoes a key
  });
});
