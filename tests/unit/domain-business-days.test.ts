import {
  addBusinessDays,
  businessDaysBetween,
  dueDateWithPauses,
  HOLIDAY_DATA_YEARS,
  isBusinessDay,
  isHolidayDataCovered,
  isNationalHoliday,
} from '../../domain/business-days';

describe('isBusinessDay (開庁日)', () => {
  it.each([
    ['2026-01-12', '成人の日 (Monday holiday)'],
    ['2026-05-06', '振替休日 for 憲法記念日 on a Sunday'],
    ['2026-09-22', '国民の休日 between 敬老の日 and 秋分の日'],
    ['2026-12-29', 'year-end closure, a Tuesday'],
    ['2026-12-31', 'year-end closure'],
    ['2027-01-02', 'new-year closure, a Saturday'],
    ['2027-01-03', 'new-year closure'],
    ['2026-11-28', 'a Saturday'],
    ['2026-11-29', 'a Sunday'],
    ['2019-05-01', 'the enthronement day (休日（祝日扱い）)'],
  ])('when the day is %s (%s), then the office is closed', (date) => {
    expect(isBusinessDay(date)).toBe(false);
  });

  it.each(['2026-11-26', '2026-12-28', '2027-01-04', '2026-01-13'])(
    'when the day is %s, an ordinary weekday, then the office is open',
    (date) => {
      expect(isBusinessDay(date)).toBe(true);
    },
  );

  it('when a date is not a real date, then it throws', () => {
    expect(() => isBusinessDay('2026-02-30')).toThrow(RangeError);
  });
});

describe('addBusinessDays', () => {
  it('when counting from the last open day of the year, then the next is 1/4', () => {
    expect(addBusinessDays('2026-12-28', 1)).toBe('2027-01-04');
  });

  it('when counting over Golden Week, then 5/2–5/6 are skipped', () => {
    expect(addBusinessDays('2026-05-01', 1)).toBe('2026-05-07');
  });

  it('when n is 0, then the start date is returned as is', () => {
    expect(addBusinessDays('2026-11-28', 0)).toBe('2026-11-28');
  });

  it('when counting 10 days from a Friday before 成人の日, then weekends and the holiday are skipped', () => {
    // 1/9 Fri → 1/13..1/16 (4), 1/19..1/23 (5), 1/26 (1): 成人の日 1/12 skipped.
    expect(addBusinessDays('2026-01-09', 10)).toBe('2026-01-26');
  });

  it.each([-1, 1.5, Number.NaN, 10_001])('when n is %p, then it throws', (n) => {
    expect(() => addBusinessDays('2026-01-09', n)).toThrow(RangeError);
  });
});

describe('businessDaysBetween', () => {
  it('when a period spans the year end, then only open days after the start are counted', () => {
    expect(businessDaysBetween('2026-12-25', '2027-01-05')).toBe(3); // 12/28, 1/4, 1/5
  });

  it('when the end is before the start, then the count is negative', () => {
    expect(businessDaysBetween('2027-01-05', '2026-12-25')).toBe(-3);
  });

  it('when n business days are added, then counting back gives n', () => {
    for (const n of [0, 1, 5, 20, 60]) {
      expect(businessDaysBetween('2026-04-24', addBusinessDays('2026-04-24', n))).toBe(n);
    }
  });
});

describe('dueDateWithPauses (補正 pauses the deadline)', () => {
  it('when there is no pause, then it equals addBusinessDays (文化の日 skipped)', () => {
    expect(dueDateWithPauses('2026-11-02', 5, [])).toBe('2026-11-10');
  });

  it('when a correction pauses 11/5–11/9, then those three open days do not count', () => {
    expect(dueDateWithPauses('2026-11-02', 5, [{ from: '2026-11-05', to: '2026-11-09' }])).toBe('2026-11-13');
  });

  it('when pauses overlap or are unsorted, then each day is paused once', () => {
    const pauses = [
      { from: '2026-11-06', to: '2026-11-09' },
      { from: '2026-11-05', to: '2026-11-06' },
    ];
    expect(dueDateWithPauses('2026-11-02', 5, pauses)).toBe('2026-11-13');
  });

  it('when a pause lies entirely before the start, then it changes nothing', () => {
    expect(dueDateWithPauses('2026-11-02', 5, [{ from: '2026-10-01', to: '2026-10-30' }])).toBe('2026-11-10');
  });

  it('when a pause ends before it starts, then it throws', () => {
    expect(() => dueDateWithPauses('2026-11-02', 5, [{ from: '2026-11-09', to: '2026-11-05' }])).toThrow(RangeError);
  });
});

describe('holiday data coverage', () => {
  it('when the package data is read, then it covers at least 2026–2050', () => {
    expect(HOLIDAY_DATA_YEARS.first).toBeLessThanOrEqual(2026);
    expect(HOLIDAY_DATA_YEARS.last).toBeGreaterThanOrEqual(2050);
    expect(isHolidayDataCovered('2026-01-01')).toBe(true);
  });

  it('when a year is beyond the data, then fixed-date holidays are still known', () => {
    const beyond = HOLIDAY_DATA_YEARS.last + 1;
    expect(isHolidayDataCovered(`${beyond}-06-01`)).toBe(false);
    expect(isNationalHoliday(`${beyond}-11-03`)).toBe(true);
    expect(isNationalHoliday(`${beyond}-11-04`)).toBe(false);
  });
});
