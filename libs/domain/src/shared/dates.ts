/** Calendar helpers on ISO date strings; the domain never reads a clock. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `y-m-d` names a real day of the proleptic Gregorian calendar. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** True for a strict `YYYY-MM-DD` string naming a real day. */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * The calendar-date part of an ISO timestamp or date. String comparison of
 * `YYYY-MM-DD` values orders them correctly, which is all the rules need.
 */
export function datePart(isoDateOrTimestamp: string): string {
  return isoDateOrTimestamp.slice(0, 10);
}
