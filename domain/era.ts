/**
 * Japanese era (和暦) for display. Dates are stored ISO; the era is derived only when a date is
 * shown to a person or printed on the license (免状).
 *
 * Boundaries are the first day of each era (改元日): 令和 2019-05-01, 平成 1989-01-08,
 * 昭和 1926-12-25, 大正 1912-07-30. The first year of an era is written 元年, not 1年.
 *
 * 明治 is supported only from 1873-01-01 (明治6年): Japan adopted the Gregorian calendar that day,
 * and earlier 明治 dates were counted in the lunisolar calendar, so turning an earlier Gregorian
 * date into 明治 年月日 would print a wrong month and day.
 */
import { assertIsoDate, type IsoDate, toDayNumber } from './iso-date';

export type EraName = '令和' | '平成' | '昭和' | '大正' | '明治';

export interface JapaneseDate {
  era: EraName;
  /** 1 for the first year (shown as 元年). */
  eraYear: number;
  month: number;
  day: number;
}

interface Era {
  name: EraName;
  /** First day of the era that this module accepts. */
  from: IsoDate;
  /** Gregorian year of the era's 元年 (differs from `from` only for 明治). */
  firstYear: number;
}

/** Newest first, so the first era whose start is on or before a date is the one it falls in. */
const ERAS: readonly Era[] = [
  { name: '令和', from: '2019-05-01', firstYear: 2019 },
  { name: '平成', from: '1989-01-08', firstYear: 1989 },
  { name: '昭和', from: '1926-12-25', firstYear: 1926 },
  { name: '大正', from: '1912-07-30', firstYear: 1912 },
  { name: '明治', from: '1873-01-01', firstYear: 1868 },
];

export const EARLIEST_ERA_DATE: IsoDate = '1873-01-01';

/** Splits an ISO date into era, era year, month and day. Throws RangeError before 1873. */
export function toJapaneseDate(iso: IsoDate): JapaneseDate {
  const { year, month, day } = assertIsoDate(iso);
  const dayNumber = toDayNumber(iso);
  const era = ERAS.find((e) => toDayNumber(e.from) <= dayNumber);
  if (!era) {
    throw new RangeError(
      '和暦で表示できるのは1873-01-01（明治6年1月1日）以降の日付です (dates before 1873-01-01 have no Gregorian era date)',
    );
  }
  return { era: era.name, eraYear: year - era.firstYear + 1, month, day };
}

/** '令和元年5月1日', '昭和64年1月7日' — ASCII digits; kanji numerals are not used. */
export function formatJapaneseDate(iso: IsoDate): string {
  const { era, eraYear, month, day } = toJapaneseDate(iso);
  return `${era}${formatEraYear(eraYear)}年${month}月${day}日`;
}

/** The year part without 年: 1 → '元', otherwise the number. */
export function formatEraYear(eraYear: number): string {
  return eraYear === 1 ? '元' : String(eraYear);
}
