/**
 * Calendar dates (暦日) as 'YYYY-MM-DD' strings.
 *
 * Why strings and not `Date`: a `Date` is an instant, and which calendar day it falls on depends
 * on the host's time zone — a birth date parsed at midnight UTC prints as the previous day on a
 * machine west of Greenwich. All arithmetic here runs on a day count computed with UTC fields
 * only, so neither the host TZ nor daylight saving can move a date.
 *
 * Messages never repeat the input: a birth date is personal data.
 */

/** A calendar date 'YYYY-MM-DD' (Gregorian, years 1000–9999). */
export type IsoDate = string;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
/** Japan Standard Time is UTC+9 all year (no daylight saving since 1951). */
const JST_OFFSET_MS = 9 * 3_600_000;

export const INVALID_DATE_MESSAGE =
  '日付は実在する日を YYYY-MM-DD 形式で指定してください (date must be a real calendar date in YYYY-MM-DD form)';

/** Splits a date into numbers, or null when it is malformed or not a real day (2026-02-30). */
export function parseIsoDate(value: string): DateParts | null {
  const m = ISO_DATE.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1000 || month < 1 || month > 12 || day < 1) return null;
  if (day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isIsoDate(value: string): boolean {
  return parseIsoDate(value) !== null;
}

/** Throws a RangeError (without the value) unless `value` is a real 'YYYY-MM-DD' date. */
export function assertIsoDate(value: string): DateParts {
  const parts = parseIsoDate(value);
  if (!parts) throw new RangeError(INVALID_DATE_MESSAGE);
  return parts;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days since 1970-01-01 (negative before). */
export function toDayNumber(value: IsoDate): number {
  const { year, month, day } = assertIsoDate(value);
  return Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

export function fromDayNumber(dayNumber: number): IsoDate {
  const d = new Date(dayNumber * MS_PER_DAY);
  return formatParts(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function formatParts(year: number, month: number, day: number): IsoDate {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

export function addDays(value: IsoDate, days: number): IsoDate {
  return fromDayNumber(toDayNumber(value) + days);
}

/** 0 = Sunday … 6 = Saturday, as `Date#getUTCDay`. */
export function dayOfWeek(value: IsoDate): number {
  // 1970-01-01 was a Thursday (4).
  return (((toDayNumber(value) + 4) % 7) + 7) % 7;
}

/** Negative when a is before b, 0 when equal, positive after. */
export function compareIsoDates(a: IsoDate, b: IsoDate): number {
  return toDayNumber(a) - toDayNumber(b);
}

/** Today's date in Japan, whatever the host time zone is. */
export function todayInTokyo(now: Date = new Date()): IsoDate {
  const d = new Date(now.getTime() + JST_OFFSET_MS);
  return formatParts(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}
