import { daysInRange, keyToDate } from "../dates.ts";
import type { Grain } from "../params.ts";

/** The grain a time series of `from`..`to` gets when the request names none: about 13 to 90 points. */
export function defaultGrain(from: string, to: string): Grain {
  const days = daysInRange(from, to);
  if (days <= 93) return "day";
  if (days <= 550) return "week";
  return "month";
}

/** SQL label of the period a day (alias d of dwh.dim_date) falls in: `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM`. */
export function periodLabel(grain: Grain, dateAlias: string): string {
  switch (grain) {
    case "day":
      return `${dateAlias}.date_key`;
    case "week":
      return `CAST(${dateAlias}.iso_year AS VARCHAR) || '-W' || LPAD(CAST(${dateAlias}.iso_week AS VARCHAR), 2, '0')`;
    case "month":
      return `${dateAlias}.year_month`;
  }
}

/** The period label as the API shows it (days come back as date keys). */
export function formatPeriod(grain: Grain, value: unknown): string {
  return grain === "day" ? keyToDate(Number(value)) : String(value);
}
