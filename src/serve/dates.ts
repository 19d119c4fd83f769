/** Calendar arithmetic on ISO dates (`YYYY-MM-DD`) and the warehouse's integer date keys (`YYYYMMDD`). */

const DAY_MS = 86_400_000;

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function dateToKey(iso: string): number {
  return Number(iso.replaceAll("-", ""));
}

export function keyToDate(key: number): string {
  const text = String(key);
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysInRange(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The period of the same length that ends the day before `from`. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const length = daysInRange(from, to);
  return { from: addDays(from, -length), to: addDays(from, -1) };
}

/** Key of the last day of month `yearMonth` (YYYYMM). */
export function monthEndKey(yearMonth: number): number {
  const year = Math.floor(yearMonth / 100);
  const month = yearMonth % 100;
  return yearMonth * 100 + new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The month (YYYYMM) `delta` months after `yearMonth`. */
export function addMonths(yearMonth: number, delta: number): number {
  const index = Math.floor(yearMonth / 100) * 12 + (yearMonth % 100) - 1 + delta;
  return Math.floor(index / 12) * 100 + (index % 12) + 1;
}
