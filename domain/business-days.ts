/**
 * Administrative business days (開庁日) for deadlines such as the standard processing period
 * (標準処理期間).
 *
 * A day is closed (行政機関の休日, 行政機関の休日に関する法律 第1条) when it is a Saturday or
 * Sunday, a national holiday (国民の祝日, incl. substitute holidays 振替休日 and 国民の休日), or
 * in the year-end closure 12/29 – 1/3 (年末年始).
 *
 * Counting follows the rule that the first day is not counted (初日不算入, 民法 第140条):
 * `addBusinessDays('2026-04-01', 1)` is the next open day after April 1st.
 *
 * Holiday data: @holiday-jp/holiday_jp, which lists holidays for a fixed range of years
 * (1970–2050 in 2.5.1; see HOLIDAY_DATA_YEARS). Holidays moved or added by a later law are only
 * known after the package is updated. Outside its range only the fixed-date holidays of the
 * current 祝日法 are known (no Happy-Monday days, equinoxes or substitute days), so a deadline
 * computed there may come out a day or two early; `isHolidayDataCovered` lets callers flag it.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { addDays, assertIsoDate, compareIsoDates, dayOfWeek, type IsoDate } from './iso-date';

/** A period during which a deadline does not run, e.g. while a filing is being corrected (補正). */
export interface Pause {
  /** First paused day, e.g. the day the return for correction was sent. */
  from: IsoDate;
  /** Last paused day (inclusive), e.g. the day the corrected filing arrived. */
  to: IsoDate;
}

const HOLIDAYS: Readonly<Record<string, { name: string }>> = holidayJp.holidays;

export const HOLIDAY_DATA_YEARS = holidayYears();

function holidayYears(): { first: number; last: number } {
  const years = Object.keys(HOLIDAYS).map((d) => Number(d.slice(0, 4)));
  return { first: Math.min(...years), last: Math.max(...years) };
}

/** Fixed-date holidays (MM-DD) used only for years the data does not cover. */
const FIXED_DATE_HOLIDAYS: ReadonlySet<string> = new Set([
  '01-01', '02-11', '02-23', '04-29', '05-03', '05-04', '05-05', '08-11', '11-03', '11-23',
]);

/** A guard against a runaway loop from a nonsensical n; no real deadline is this long. */
const MAX_BUSINESS_DAYS = 10_000;

export function isHolidayDataCovered(date: IsoDate): boolean {
  const { year } = assertIsoDate(date);
  return year >= HOLIDAY_DATA_YEARS.first && year <= HOLIDAY_DATA_YEARS.last;
}

export function isNationalHoliday(date: IsoDate): boolean {
  if (isHolidayDataCovered(date)) return Object.prototype.hasOwnProperty.call(HOLIDAYS, date);
  return FIXED_DATE_HOLIDAYS.has(date.slice(5));
}

/** 12/29 – 1/3 (年末年始の休日). */
export function isYearEndClosure(date: IsoDate): boolean {
  const { month, day } = assertIsoDate(date);
  return (month === 12 && day >= 29) || (month === 1 && day <= 3);
}

export function isBusinessDay(date: IsoDate): boolean {
  const dow = dayOfWeek(date);
  if (dow === 0 || dow === 6) return false;
  return !isYearEndClosure(date) && !isNationalHoliday(date);
}

/** The n-th business day after `fromDate` (n ≥ 0; n = 0 gives `fromDate` itself). */
export function addBusinessDays(fromDate: IsoDate, n: number): IsoDate {
  return nthCountedDay(fromDate, n, isBusinessDay);
}

/**
 * Business days d with a < d ≤ b, so that businessDaysBetween(a, addBusinessDays(a, n)) === n.
 * Negative when b is before a.
 */
export function businessDaysBetween(a: IsoDate, b: IsoDate): number {
  if (compareIsoDates(b, a) < 0) return -businessDaysBetween(b, a);
  let count = 0;
  for (let d = addDays(a, 1); compareIsoDates(d, b) <= 0; d = addDays(d, 1)) {
    if (isBusinessDay(d)) count++;
  }
  return count;
}

/**
 * Due date n business days after `start`, not counting any day inside a pause (both ends
 * inclusive). Pauses may overlap and need not be sorted; a pause before `start` has no effect.
 */
export function dueDateWithPauses(start: IsoDate, n: number, pauses: readonly Pause[]): IsoDate {
  for (const p of pauses) {
    if (compareIsoDates(p.from, p.to) > 0) {
      throw new RangeError('中断期間の開始日が終了日より後です (a pause must not end before it starts)');
    }
  }
  const paused = (d: IsoDate) =>
    pauses.some((p) => compareIsoDates(p.from, d) <= 0 && compareIsoDates(d, p.to) <= 0);
  return nthCountedDay(start, n, (d) => isBusinessDay(d) && !paused(d));
}

function nthCountedDay(start: IsoDate, n: number, counts: (d: IsoDate) => boolean): IsoDate {
  assertIsoDate(start);
  if (!Number.isInteger(n) || n < 0 || n > MAX_BUSINESS_DAYS) {
    throw new RangeError(`日数は0以上${MAX_BUSINESS_DAYS}以下の整数です (n must be an integer 0..${MAX_BUSINESS_DAYS})`);
  }
  let d = start;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (counts(d)) left--;
  }
  return d;
}
