import { holidaysByDate } from "../reference/holidays.ts";
import type { CountryCode } from "../reference/markets.ts";
import { monthsFrom } from "./options.ts";

const DAY_MS = 86_400_000;

export interface WindowMonth {
  /** YYYY-MM */
  readonly key: string;
  readonly calendarMonth: number;
  /** Day index of the month's first day, from the window's first day. */
  readonly firstDay: number;
  readonly days: number;
}

/** The generated period: day indices from its first day, months, and the holidays of each market. */
export interface Window {
  readonly startMs: number;
  readonly days: number;
  readonly months: readonly WindowMonth[];
  /** Per country, 1 for each day index that is a public holiday there. */
  readonly holidays: Readonly<Record<CountryCode, Uint8Array>>;
}

export function makeWindow(start: string, monthCount: number): Window {
  const starts = monthsFrom(start, monthCount + 1);
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const months = starts.slice(0, -1).map((first, m) => {
    const firstDay = Math.round((Date.parse(`${first}T00:00:00Z`) - startMs) / DAY_MS);
    const next = Math.round((Date.parse(`${starts[m + 1]}T00:00:00Z`) - startMs) / DAY_MS);
    return {
      key: first.slice(0, 7),
      calendarMonth: Number(first.slice(5, 7)),
      firstDay,
      days: next - firstDay,
    };
  });
  const days = (months.at(-1)?.firstDay ?? 0) + (months.at(-1)?.days ?? 0);
  const firstYear = Number(start.slice(0, 4));
  const lastYear = Number(starts.at(-2)?.slice(0, 4));
  const holidays = {
    CI: new Uint8Array(days),
    SN: new Uint8Array(days),
    ML: new Uint8Array(days),
    BF: new Uint8Array(days),
    CM: new Uint8Array(days),
  };
  for (const [date, list] of holidaysByDate(firstYear, lastYear)) {
    const day = Math.round((Date.parse(`${date}T00:00:00Z`) - startMs) / DAY_MS);
    if (day < 0 || day >= days) continue;
    for (const h of list) holidays[h.countryCode][day] = 1;
  }
  return { startMs, days, months, holidays };
}

const dayStrings = new Map<number, string>();

/** YYYY-MM-DD of a day index (negative indices fall before the window). */
export function dayIso(window: Window, day: number): string {
  const ms = window.startMs + day * DAY_MS;
  let text = dayStrings.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString().slice(0, 10);
    dayStrings.set(ms, text);
  }
  return text;
}

const pad = (n: number) => String(n).padStart(2, "0");
let clock: string[] | undefined;

/** HH:MM:SS of a second of the day (0 … 86,399), from a table built once. */
export function clockTime(second: number): string {
  clock ??= Array.from(
    { length: 86_400 },
    (_, s) => `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`,
  );
  return clock[second] as string;
}
