/** Calendar helpers on ISO date strings; the domain never reads a clock. */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** True when `y-m-d` names a real day of the proleptic Gregorian calendar. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

const ISO_DATE_START = /^(\d{4})-(\d{2})-(\d{2})/;

/** True when `text` begins with a strict `YYYY-MM-DD` naming a real day (a date or timestamp). */
export function startsWithIsoDate(text: string): boolean {
  const m = ISO_DATE_START.exec(text);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** True for a strict `YYYY-MM-DD` string naming a real day. */
export function isIsoDate(value: string): boolean {
  return value.length === 10 && startsWithIsoDate(value);
}

/**
 * The calendar-date part of an ISO timestamp or date. String comparison of
 * `YYYY-MM-DD` values orders them correctly, which is all the rules need.
 */
export function datePart(isoDateOrTimestamp: string): string {
  return isoDateOrTimestamp.slice(0, 10);
}
