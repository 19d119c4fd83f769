import { describe, expect, it } from "vitest";
import { dateRows, isoWeek } from "../../src/reference/calendar.ts";
import { timeRows } from "../../src/reference/clock.ts";

describe("dim_date rows", () => {
  const rows = dateRows();
  const byDate = new Map(rows.map((r) => [r.full_date, r]));

  it("cover 2024-01-01 to 2027-12-31, one row a day, keyed yyyymmdd", () => {
    expect(rows).toHaveLength(1461);
    expect(rows[0]?.full_date).toBe("2024-01-01");
    expect(rows.at(-1)?.full_date).toBe("2027-12-31");
    expect(new Set(rows.map((r) => r.date_key)).size).toBe(1461);
    for (const r of rows) expect(r.date_key).toBe(Number(r.full_date.replaceAll("-", "")));
  });

  it("name days and months in French and English", () => {
    expect(byDate.get("2024-01-01")).toMatchObject({
      day_of_week: 1,
      day_name_fr: "lundi",
      day_name_en: "Monday",
    });
    expect(byDate.get("2025-08-15")).toMatchObject({
      day_name_fr: "vendredi",
      month_name_fr: "août",
      month_name_en: "August",
    });
    expect(byDate.get("2026-02-01")).toMatchObject({
      day_of_week: 7,
      is_weekend: true,
      day_name_fr: "dimanche",
    });
  });

  it("number ISO weeks across year boundaries", () => {
    expect(byDate.get("2024-12-30")).toMatchObject({ iso_week: 1, iso_year: 2025, calendar_year: 2024 });
    expect(byDate.get("2027-01-01")).toMatchObject({ iso_week: 53, iso_year: 2026 });
    expect(isoWeek(new Date(Date.UTC(2026, 0, 5)))).toEqual({ week: 2, year: 2026 });
  });

  it("flag month ends, leap days and the salary window", () => {
    expect(byDate.get("2024-02-29")).toMatchObject({
      is_month_end: true,
      days_to_month_end: 0,
      day_of_year: 60,
    });
    expect(byDate.get("2025-02-28")).toMatchObject({ is_month_end: true });
    expect(byDate.get("2024-12-31")).toMatchObject({
      day_of_year: 366,
      calendar_quarter: 4,
      year_quarter: "2024-Q4",
    });
    expect(byDate.get("2024-03-29")?.is_payday_window).toBe(true);
    expect(byDate.get("2024-04-02")?.is_payday_window).toBe(true);
    expect(byDate.get("2024-04-15")?.is_payday_window).toBe(false);
    expect(rows.filter((r) => r.is_month_end)).toHaveLength(48);
  });

  it("carry the markets' public holidays", () => {
    expect(byDate.get("2024-08-07")).toMatchObject({ is_public_holiday: true, holiday_country_codes: "CI" });
    expect(byDate.get("2025-04-04")?.holiday_country_codes).toContain("SN");
    expect(byDate.get("2026-05-20")?.holiday_country_codes).toContain("CM");
    expect(byDate.get("2024-12-25")?.holiday_country_codes?.split(",").sort()).toEqual([
      "BF",
      "CI",
      "CM",
      "ML",
      "SN",
    ]);
    expect(byDate.get("2024-03-12")).toMatchObject({
      is_public_holiday: false,
      holiday_country_codes: null,
      holiday_names: null,
    });
  });
});

describe("dim_time rows", () => {
  const rows = timeRows();

  it("hold the 1,440 minutes of a day keyed hhmm", () => {
    expect(rows).toHaveLength(1440);
    expect(new Set(rows.map((r) => r.time_key)).size).toBe(1440);
    expect(rows[0]).toMatchObject({
      time_key: 0,
      time_label: "00:00",
      period_of_day: "night",
      is_night: true,
    });
    expect(rows[875]).toMatchObject({
      time_key: 1435,
      time_label: "14:35",
      hour_label: "14h-15h",
      period_of_day: "afternoon",
    });
    expect(rows.at(-1)).toMatchObject({ time_key: 2359, hour_label: "23h-00h" });
  });

  it("mark business hours 08:00-17:59 and the periods of the day", () => {
    expect(rows.filter((r) => r.is_business_hours)).toHaveLength(600);
    expect(rows.find((r) => r.time_key === 759)?.is_business_hours).toBe(false);
    expect(rows.find((r) => r.time_key === 1800)).toMatchObject({
      is_business_hours: false,
      period_of_day: "evening",
      period_of_day_fr: "soir",
    });
    expect(rows.filter((r) => r.is_night)).toHaveLength(8 * 60);
  });
});
