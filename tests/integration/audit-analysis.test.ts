/**
 * The periodic usage-record analysis over the real audit log (issue #5, R6.5/R6.7): a scripted
 * burst of failed logins and of 403s over HTTP, and night-time bulk reads, are flagged, recorded
 * in the audit log and readable by the auditor; a second run does not report them again.
 */
import { QueryTypes } from 'sequelize';
import { AuditLog } from '../../db/audit';
import { runAuditAnalysis, type Finding } from '../../db/audit-analysis';
import { appSchema } from '../helpers/env';
import { call, loginAs, newIp, newStaff, startApi, type TestApi } from './auth-helpers';

describe('usage-record analysis', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('when failed logins, 403s and off-hours reads come in bursts, then each is flagged once and the auditor reads them', async () => {
    // The analysis reads up to the sealed watermark; no grace, so numbers other tests left missing do not hold it back.
    const audit = new AuditLog(api.deps.db, appSchema, undefined, 0);
    // someone guesses a clerk's password six times from one address
    const victim = await newStaff(api.ctx, 'clerk');
    const ip = newIp();
    for (let i = 0; i < 6; i++) {
      const r = await call(api.url, 'POST', '/api/v1/auth/login', { ip, body: { username: victim.username, password: `wrong-${i}-password` } });
      expect(r.status).toBe(401);
    }
    // a reviewer probes account management ten times; another only three times
    const prober = await newStaff(api.ctx, 'reviewer');
    const proberToken = await loginAs(api.url, prober);
    for (let i = 0; i < 10; i++) expect((await call(api.url, 'GET', '/api/v1/accounts', { token: proberToken })).status).toBe(403);
    const clumsy = await newStaff(api.ctx, 'reviewer');
    const clumsyToken = await loginAs(api.url, clumsy);
    for (let i = 0; i < 3; i++) expect((await call(api.url, 'GET', '/api/v1/accounts', { token: clumsyToken })).status).toBe(403);
    // night-time reads: 25 registrant reads by one account on a Sunday at 03:00 JST, 5 by another
    const at = (m: number) => () => new Date(Date.UTC(2026, 10, 28, 18, m)); // 2026-11-29 03:mm JST, Sunday
    for (let m = 0; m < 25; m++) {
      await new AuditLog(api.deps.db, appSchema, at(m)).append({ actor: 'night-owl', action: 'registrant.read', purpose: 'review',
        targetType: 'registrant', targetId: `r-${m}`, outcome: 'ok' });
    }
    for (let m = 0; m < 5; m++) {
      await new AuditLog(api.deps.db, appSchema, at(m)).append({ actor: 'early-bird', action: 'registrant.read', purpose: 'review', outcome: 'ok' });
    }

    const run = await runAuditAnalysis(api.deps.db, audit);
    expect(run).not.toBeNull();
    const mine = (f: Finding) => [victim.username, ip, prober.username, clumsy.username, 'night-owl', 'early-bird'].includes(f.subject.value);
    const summary = run!.findings.filter(mine).map((f) => [f.rule, f.subject.value, f.count]).sort();
    expect(summary).toEqual([
      ['failed_login_burst', ip, 6],
      ['failed_login_burst', victim.username, 6],
      ['forbidden_burst', prober.username, 10],
      ['off_hours_bulk_read', 'night-owl', 25],
    ].sort());

    // recorded in the (tamper-evident) log itself, and the run remembers how far it read
    const recorded = await api.deps.db.query<{ target_id: string }>(
      "SELECT target_id FROM audit_log WHERE action = 'audit.finding' AND seq < ? AND seq > ?",
      { replacements: [run!.runSeq, run!.toSeq], type: QueryTypes.SELECT });
    expect(recorded.map((r) => r.target_id)).toEqual(expect.arrayContaining([victim.username, ip, prober.username, 'night-owl']));
    expect((await audit.verify()).ok).toBe(true);

    // a second run starts where the first stopped: nothing new to report
    const again = await runAuditAnalysis(api.deps.db, audit);
    expect(again!.fromSeq).toBe(run!.toSeq);
    expect(again!.findings).toEqual([]);

    // the auditor reads the findings; a reviewer may not
    const auditor = await loginAs(api.url, await newStaff(api.ctx, 'auditor'));
    const list = await call(api.url, 'GET', '/api/v1/audit/findings?limit=50', { token: auditor });
    expect(list.status).toBe(200);
    const items = list.body.items as (Finding & { seq: number })[];
    expect(items.filter(mine).map((f) => f.rule).sort()).toEqual(
      ['failed_login_burst', 'failed_login_burst', 'forbidden_burst', 'off_hours_bulk_read']);
    expect((await call(api.url, 'GET', '/api/v1/audit/findings', { token: proberToken })).status).toBe(403);
  });
});
