import { DEFAULT_RULES, findAnomalies, isOffHoursJst, type AuditRow } from '../../db/audit-analysis';

let seq = 0;
const row = (at: string, actor: string, action: string, outcome = 'ok', detail: Record<string, unknown> | null = null): AuditRow =>
  ({ seq: ++seq, at: new Date(at), actor, action, outcome, detail });
const times = (n: number, startIso: string, stepMs: number) =>
  Array.from({ length: n }, (_, i) => new Date(new Date(startIso).getTime() + i * stepMs).toISOString());

describe('office hours in Japan time', () => {
  it.each([
    ['2026-12-01T00:00:00Z', false, 'Tuesday 09:00 JST'],
    ['2026-12-01T10:59:59Z', false, 'Tuesday 19:59 JST'],
    ['2026-12-01T11:00:00Z', true, 'Tuesday 20:00 JST'],
    ['2026-11-30T22:59:00Z', true, 'Tuesday 07:59 JST'],
    ['2026-12-05T02:00:00Z', true, 'Saturday 11:00 JST'],
    ['2026-11-23T02:00:00Z', true, '勤労感謝の日 11:00 JST'],
    ['2026-12-29T02:00:00Z', true, '年末年始 11:00 JST'],
  ])('when an entry is at %s, then off-hours is %s (%s)', (at, off) => {
    expect(isOffHoursJst(new Date(at))).toBe(off);
  });
});

describe('usage-record analysis rules', () => {
  it('when 5 logins of one account fail within 10 minutes, then a burst is flagged for the account and the address', () => {
    const rows = times(5, '2026-12-01T01:00:00Z', 60_000).map((t) => row(t, 'clerk1', 'auth.login', 'denied', { ip: '10.0.0.9' }));
    const f = findAnomalies(rows, 0);
    expect(f.map((x) => [x.rule, x.subject.kind, x.subject.value, x.count])).toEqual([
      ['failed_login_burst', 'account', 'clerk1', 5], ['failed_login_burst', 'ip', '10.0.0.9', 5]]);
  });

  it('when the same failures are spread over an hour, or are only 4, then nothing is flagged', () => {
    const spread = times(5, '2026-12-01T01:00:00Z', 15 * 60_000).map((t) => row(t, 'clerk1', 'auth.login', 'denied'));
    const few = times(4, '2026-12-01T01:00:00Z', 1000).map((t) => row(t, 'clerk2', 'auth.login', 'denied'));
    expect(findAnomalies([...spread, ...few], 0)).toEqual([]);
  });

  it('when a burst lies wholly before the new entries, then it is not reported again', () => {
    const rows = times(6, '2026-12-01T01:00:00Z', 1000).map((t) => row(t, 'clerk3', 'access.forbidden', 'denied'));
    rows.push(...times(6, '2026-12-01T01:00:10Z', 1000).map((t) => row(t, 'clerk3', 'access.forbidden', 'denied')));
    expect(findAnomalies(rows, rows.at(-1)!.seq)).toEqual([]);
    const [f] = findAnomalies(rows, rows[5].seq);
    expect(f).toMatchObject({ rule: 'forbidden_burst', count: 12, firstSeq: rows[0].seq, lastSeq: rows[11].seq });
  });

  it('when an account reads personal data in bulk at night but not by day, then only the night is flagged', () => {
    const night = times(DEFAULT_RULES.off_hours_bulk_read.threshold, '2026-12-01T15:00:00Z', 60_000)
      .map((t) => row(t, 'reviewer9', 'registrant.read'));
    const day = times(50, '2026-12-02T01:00:00Z', 10_000).map((t) => row(t, 'reviewer9', 'registrant.read'));
    const otherActions = times(30, '2026-12-01T15:00:00Z', 1000).map((t) => row(t, 'reviewer9', 'auth.me'));
    const f = findAnomalies([...night, ...day, ...otherActions], 0);
    expect(f).toEqual([expect.objectContaining({ rule: 'off_hours_bulk_read', subject: { kind: 'account', value: 'reviewer9' },
      count: DEFAULT_RULES.off_hours_bulk_read.threshold, from: night[0].at.toISOString() })]);
  });
});
