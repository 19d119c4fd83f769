import { holidaysByDate } from "./holidays.ts";

/** One row of dwh.dim_date. */
export interface DateRow {
  date_key: number;
  full_date: string;
  day_of_month: number;
  day_of_week: number;
  day_of_year: number;
  day_name_fr: string;
  day_name_en: string;
  iso_week: number;
  iso_year: number;
  calendar_month: number;
  month_name_fr: string;
  month_name_en: string;
  calendar_quarter: number;
  calendar_year: number;
  year_month: string;
  year_quarter: string;
  is_weekend: boolean;
  is_month_start: boolean;
  is_month_end: boolean;
  days_to_month_end: number;
  is_payday_window: boolean;
  is_public_holiday: boolean;
  holiday_country_codes: string | null;
  holiday_names: string | null;
}

/** The calendar dimension covers four years: two of history, the current one and one ahead. */
export const CALENDAR_FIRST_YEAR = 2024;
export const CALENDAR_LAST_YEAR = 2027;

const DAY_MS = 86_400_000;
const DAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS_FR = [
  "janvier",
  "février",
  "mars",
  "avril",
  "mai",
  "juin",
  "juillet",
  "août",
  "septembre",
  "octobre",
  "novembre",
  "décembre",
];
const MONTHS_EN = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export function dateKey(isoDate: string): number {
  return Number(isoDate.slice(0, 10).replaceAll("-", ""));
}

/** ISO 8601 week and week-year of a UTC date. */
export function isoWeek(date: Date): { week: number; year: number } {
  const isoDay = date.getUTCDay() || 7;
  const thursday = new Date(date.getTime() + (4 - isoDay) * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return {
    week: Math.floor((thursday.getTime() - yearStart) / DAY_MS / 7) + 1,
    year: thursday.getUTCFullYear(),
  };
}

export function dateRows(firstYear = CALENDAR_FIRST_YEAR, lastYear = CALENDAR_LAST_YEAR): DateRow[] {
  const holidays = holidaysByDate(firstYear, lastYear);
  const rows: DateRow[] = [];
  const end = Date.UTC(lastYear, 11, 31);
  for (let ms = Date.UTC(firstYear, 0, 1); ms <= end; ms += DAY_MS) {
    const date = new Date(ms);
    const iso = date.toISOString().slice(0, 10);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    const dayOfWeek = date.getUTCDay() || 7;
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const daysToMonthEnd = daysInMonth - day;
    const quarter = Math.ceil(month / 3);
    const week = isoWeek(date);
    const today = holidays.get(iso) ?? [];
    const countries = [...new Set(today.map((h) => h.countryCode))];
    const names = [...new Set(today.map((h) => h.nameFr))];
    rows.push({
      date_key: dateKey(iso),
      full_date: iso,
      day_of_month: day,
      day_of_week: dayOfWeek,
      day_of_year: Math.round((ms - Date.UTC(year, 0, 1)) / DAY_MS) + 1,
      day_name_fr: DAYS_FR[dayOfWeek - 1] as string,
      day_name_en: DAYS_EN[dayOfWeek - 1] as string,
      iso_week: week.week,
      iso_year: week.year,
      calendar_month: month,
      month_name_fr: MONTHS_FR[month - 1] as string,
      month_name_en: MONTHS_EN[month - 1] as string,
      calendar_quarter: quarter,
      calendar_year: year,
      year_month: iso.slice(0, 7),
      year_quarter: `${year}-Q${quarter}`,
      is_weekend: dayOfWeek >= 6,
      is_month_start: day === 1,
      is_month_end: daysToMonthEnd === 0,
      days_to_month_end: daysToMonthEnd,
      is_payday_window: daysToMonthEnd <= 2 || day <= 2,
      is_public_holiday: today.length > 0,
      holiday_country_codes: countries.length ? countries.join(",") : null,
      holiday_names: names.length ? names.join(" / ") : null,
    });
  }
  return rows;
}
