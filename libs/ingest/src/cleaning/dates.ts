import { digitsValue, isCalendarDate } from '@registry/domain';

const EARLIEST_YEAR = 1850;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
const SEPARATED = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$/;
const SERIAL = /^\d{4,5}(?:\.\d+)?$/;

function halfWidthDigits(s: string): string {
  return s.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

function isAcceptedDay(y: number, mo: number, d: number): boolean {
  return y >= EARLIEST_YEAR && isCalendarDate(y, mo, d);
}

/**
 * Excel's 1900 date system: serial 1 is 1900-01-01 and Excel counts a 29 February 1900
 * that never existed, so from serial 61 on the epoch is 1899-12-30. Serials below 61
 * (before March 1900) are no birth or enrolment date we expect, so they are refused.
 */
export function excelSerialToIso(serial: number): string | undefined {
  if (!Number.isFinite(serial) || serial < 61 || serial > 2958465) return undefined;
  const ms = Date.UTC(1899, 11, 30) + Math.floor(serial) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The date spellings departments send, as `YYYY-MM-DD`: 1990-01-02, 1990/1/2,
 * 1990.01.02, 19900102, 1990年1月2日, a timestamp whose time part is dropped, and Excel
 * serials ≥ 3000 (XLSX cells, and CSVs exported from a spreadsheet). Undefined when the text
 * is in none of them or names no real day.
 */
export function parseDepartmentDate(raw: string): string | undefined {
  const s = halfWidthDigits(raw.trim());
  // Most cells are already YYYY-MM-DD, or YYYYMMDD: read those without regular expressions.
  // (digitsValue is NaN when a character is not a digit; such cells go on to the patterns.)
  if (s.length === 10 && s.charCodeAt(4) === 0x2d && s.charCodeAt(7) === 0x2d) {
    const y = digitsValue(s, 0, 4);
    const mo = digitsValue(s, 5, 7);
    const d = digitsValue(s, 8, 10);
    if (!Number.isNaN(y + mo + d)) return isAcceptedDay(y, mo, d) ? s : undefined;
  } else if (s.length === 8) {
    const y = digitsValue(s, 0, 4);
    const mo = digitsValue(s, 4, 6);
    const d = digitsValue(s, 6, 8);
    if (!Number.isNaN(y + mo + d)) return isAcceptedDay(y, mo, d) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : undefined;
  }
  const m = SEPARATED.exec(s) ?? COMPACT.exec(s) ?? CHINESE.exec(s);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (!isAcceptedDay(y, mo, d)) return undefined;
    return `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  }
  // A bare four-digit year (1850–2999) is not a date, and must not be read as a serial:
  // serials are accepted from 3000 (1908-03-18) on, which covers every living person.
  if (SERIAL.test(s) && Number(s) >= 3000) return excelSerialToIso(Number(s));
  return undefined;
}
