import type { Warehouse } from "../../warehouse/warehouse.ts";

/** Shares of the loaded months held out, latest first: the test months, then the validation months. */
export const TEST_MONTH_SHARE = 0.2;
export const VALID_MONTH_SHARE = 0.15;

/**
 * The time-based split of the loaded months: train on the earliest, validate on the next, test on
 * the latest. Months are calendar months from the first to the last transaction, both included.
 */
export interface TimeSplit {
  /** First and last loaded months, `YYYY-MM`. */
  readonly firstMonth: string;
  readonly lastMonth: string;
  readonly trainMonths: number;
  readonly validMonths: number;
  readonly testMonths: number;
  /** First days of the validation and test months, `YYYY-MM-DD`. */
  readonly validFrom: string;
  readonly testFrom: string;
}

/** Splits the months from `firstMonth` to `lastMonth` (`YYYY-MM`, both included). */
export function splitMonths(firstMonth: string, lastMonth: string): TimeSplit {
  const first = monthNumber(firstMonth);
  const months = monthNumber(lastMonth) - first + 1;
  const testMonths = Math.max(1, Math.round(months * TEST_MONTH_SHARE));
  const validMonths = Math.max(1, Math.round(months * VALID_MONTH_SHARE));
  const trainMonths = months - testMonths - validMonths;
  if (trainMonths < 1) {
    throw new Error(
      `a time split needs at least 3 months of transactions; the warehouse holds ${firstMonth} to ${lastMonth} (${months})`,
    );
  }
  return {
    firstMonth,
    lastMonth,
    trainMonths,
    validMonths,
    testMonths,
    validFrom: `${monthText(first + trainMonths)}-01`,
    testFrom: `${monthText(first + trainMonths + validMonths)}-01`,
  };
}

/** The split of the months the warehouse holds transactions for. */
export async function loadedTimeSplit(wh: Warehouse): Promise<TimeSplit> {
  const [row] = await wh.query<{ first: number | null; last: number | null }>(
    "SELECT MIN(date_key) AS first, MAX(date_key) AS last FROM dwh.fact_transactions",
  );
  if (row?.first == null || row.last == null)
    throw new Error("dwh.fact_transactions is empty; load transactions with `momo etl run` first");
  return splitMonths(keyMonth(row.first), keyMonth(row.last));
}

/** `YYYYMMDD` date key of an ISO date (`YYYY-MM-DD`). */
export function dateKey(isoDate: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate) || Number.isNaN(Date.parse(`${isoDate}T00:00:00Z`)))
    throw new Error(`"${isoDate}" is not a date (YYYY-MM-DD)`);
  const day = new Date(`${isoDate}T00:00:00Z`);
  if (day.toISOString().slice(0, 10) !== isoDate) throw new Error(`"${isoDate}" is not a calendar date`);
  return Number(isoDate.replaceAll("-", ""));
}

/** The ISO date `days` after `isoDate` (negative: before). */
export function addDays(isoDate: string, days: number): string {
  const day = new Date(`${isoDate}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

function keyMonth(key: number): string {
  const text = String(key);
  return `${text.slice(0, 4)}-${text.slice(4, 6)}`;
}

function monthNumber(month: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const m = Number(match?.[2]);
  if (!match || m < 1 || m > 12) throw new Error(`"${month}" is not a month (YYYY-MM)`);
  return Number(match[1]) * 12 + m - 1;
}

function monthText(n: number): string {
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, "0")}`;
}
