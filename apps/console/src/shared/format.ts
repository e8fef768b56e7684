/** Display helpers shared by the pages: Chinese number and date formats, region names. */

const integer = new Intl.NumberFormat('zh-CN');
const percent = new Intl.NumberFormat('zh-CN', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '*' : integer.format(value);
}

export function formatRate(value: number | null | undefined): string {
  return value === null || value === undefined ? '*' : percent.format(value);
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTime.format(date);
}

export function formatDate(value: string | null | undefined): string {
  return value ? value.slice(0, 10) : '—';
}

/** Today as YYYY-MM-DD in the browser's time zone. */
export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}
