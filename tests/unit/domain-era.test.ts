import { formatJapaneseDate, toJapaneseDate } from '../../domain/era';
import { addDays, dayOfWeek, isIsoDate, todayInTokyo } from '../../domain/iso-date';

describe('formatJapaneseDate (和暦)', () => {
  it.each([
    ['1989-01-07', '昭和64年1月7日'],
    ['1989-01-08', '平成元年1月8日'],
    ['2019-04-30', '平成31年4月30日'],
    ['2019-05-01', '令和元年5月1日'],
    ['2026-11-26', '令和8年11月26日'],
    ['1926-12-24', '大正15年12月24日'],
    ['1926-12-25', '昭和元年12月25日'],
    ['1912-07-29', '明治45年7月29日'],
    ['1912-07-30', '大正元年7月30日'],
    ['1873-01-01', '明治6年1月1日'],
    ['1985-04-01', '昭和60年4月1日'],
  ])('when the date is %s, then it reads %s', (iso, expected) => {
    expect(formatJapaneseDate(iso)).toBe(expected);
  });

  it('when asked for parts, then the first year is 1 and the era is named', () => {
    expect(toJapaneseDate('2019-05-01')).toEqual({ era: '令和', eraYear: 1, month: 5, day: 1 });
  });

  it('when the date is before the Gregorian calendar was adopted (1873), then it throws', () => {
    expect(() => formatJapaneseDate('1872-12-31')).toThrow(RangeError);
  });

  it.each(['2019-02-29', '2019-13-01', '19890107', '', '2019-5-1'])(
    'when the input %p is not a real ISO date, then it throws without echoing it',
    (bad) => {
      expect(() => formatJapaneseDate(bad)).toThrow(RangeError);
      try {
        formatJapaneseDate(bad);
      } catch (e) {
        if (bad) expect((e as Error).message).not.toContain(bad);
      }
    },
  );
});

describe('iso-date helpers', () => {
  it('when adding days across a leap day and a year end, then the calendar is right', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
  });

  it('when checking real dates, then 2/29 exists only in leap years', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2100-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
  });

  it('when asking the weekday, then 2026-11-26 is a Thursday', () => {
    expect(dayOfWeek('2026-11-26')).toBe(4);
    expect(dayOfWeek('1970-01-01')).toBe(4);
    expect(dayOfWeek('1969-12-28')).toBe(0);
  });

  it('when it is 15:00 UTC, then it is already the next day in Tokyo', () => {
    expect(todayInTokyo(new Date('2026-11-25T15:00:00Z'))).toBe('2026-11-26');
    expect(todayInTokyo(new Date('2026-11-25T14:59:59Z'))).toBe('2026-11-25');
  });
});
