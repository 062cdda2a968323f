/**
 * Account issue and the register (R6.6) and the password policy (R6.5): through the functions
 * of `npm run admin`, through the command itself, and through the password-change route.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { QueryTypes } from 'sequelize';
import { addStaffAccount } from '../../api/auth/accounts';
import { AppError } from '../../api/errors';
import { uniqueId } from '../helpers/env';
import { call, loginAs, newStaff, startApi, type TestApi } from './auth-helpers';

const run = promisify(execFile);

/** Runs `npm run admin -- …` as an operator would (same environment, the app's DB account). */
async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/admin.ts', ...args], { env: process.env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('accounts, the register and the password policy', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const refusal = async (username: string, password: string) => {
    try {
      await addStaffAccount(api.ctx, { username, password, role: 'clerk', requestedBy: 'jest' });
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      return (err as AppError).details as { problems: string[] };
    }
    throw new Error(`the password for ${username} was accepted`);
  };

  it('when the creation path is given a weak password, then it is refused with the reason and nothing is stored', async () => {
    const names = Array.from({ length: 5 }, () => uniqueId('clerk'));
    expect((await refusal(names[0], 'password1234')).problems).toContain('common');
    expect((await refusal(names[1], 'P@ssw0rd2025!')).problems).toContain('common');
    expect((await refusal(names[2], `my-${names[2]}-is-long-enough`)).problems).toEqual(['contains_username']);
    expect((await refusal(names[3], 'short-pw1')).problems).toEqual(['too_short']);
    expect((await refusal(names[4], 'abcabcabcabcabc')).problems).toContain('repetitive');
    const stored = await api.deps.db.query('SELECT username FROM staff_accounts WHERE username IN (?)',
      { replacements: [names], type: QueryTypes.SELECT });
    expect(stored).toEqual([]);
  });

  it('when a long passphrase without any character classes is chosen, then it is accepted (no composition rules)', async () => {
    const u = await addStaffAccount(api.ctx, { username: uniqueId('clerk'), password: 'みずはかわをながれてうみへ', role: 'clerk', requestedBy: 'jest' });
    expect(u.password).toBe('みずはかわをながれてうみへ');
  });

  it('when a person changes the one-time password, then the policy applies and other sessions end', async () => {
    const u = await newStaff(api.ctx, 'reviewer');
    const first = await loginAs(api.url, u);
    const second = await loginAs(api.url, u, 1);
    const weak = await call(api.url, 'POST', '/api/v1/auth/password', { token: second, body: { currentPassword: u.password, newPassword: 'qwerty123456' } });
    expect(weak).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: { problems: ['common'] } } } });
    const ok = await call(api.url, 'POST', '/api/v1/auth/password',
      { token: second, body: { currentPassword: u.password, newPassword: 'a river runs to the sea 水道' } });
    expect(ok.status).toBe(204);
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token: first })).status).toBe(401);
    expect((await call(api.url, 'GET', '/api/v1/auth/me', { token: second })).status).toBe(200);
  });

  it('when accounts are added, disabled and re-roled with the admin command, then each change is in the register', async () => {
    const username = uniqueId('reviewer');
    const add = await admin('user:add', '--username', username, '--role', 'reviewer', '--reason', '審査担当に配属',
      '--approved-by', 'chief1', '--json');
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout) as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(['password', 'totpSecret', 'username']);
    await loginAs(api.url, { username, password: created.password, totpSecret: created.totpSecret });

    expect((await admin('user:role', '--username', username, '--role', 'supervisor')).code).toBe(1); // no reason → refused
    expect((await admin('user:role', '--username', username, '--role', 'supervisor', '--reason', '昇任')).code).toBe(0);
    expect((await admin('user:disable', '--username', username, '--reason', '退職')).code).toBe(0);
    const register = await api.deps.db.query<{ event: string; role: string; reason: string; approved_by: string | null }>(
      'SELECT event, role, reason, approved_by FROM account_register WHERE username = ? ORDER BY id', { replacements: [username], type: QueryTypes.SELECT });
    expect(register).toEqual([
      { event: 'add', role: 'reviewer', reason: '審査担当に配属', approved_by: 'chief1' },
      { event: 'role_change', role: 'supervisor', reason: '昇任', approved_by: null },
      { event: 'disable', role: 'supervisor', reason: '退職', approved_by: null },
    ]);
    const list = await admin('user:list', '--json');
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ username, status: 'disabled', lastLoginAt: expect.any(String) }));
    expect(list.stdout).not.toMatch(/argon2|totp/i);
  });

  it('when a client is added with the admin command, then it prints only clientId and clientSecret, and a person cannot get role portal', async () => {
    const add = await admin('client:add', '--name', 'portal', '--role', 'portal', '--json');
    expect(add.code).toBe(0);
    expect(Object.keys(JSON.parse(add.stdout)).sort()).toEqual(['clientId', 'clientSecret']);
    const bad = await admin('user:add', '--username', uniqueId('someone'), '--role', 'portal');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/role is one of/);
  });
});
