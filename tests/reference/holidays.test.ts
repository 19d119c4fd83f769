import { describe, expect, it } from "vitest";
import { easterSunday, holidaysByDate, holidaysFor } from "../../src/reference/holidays.ts";
import { MARKETS } from "../../src/reference/markets.ts";

const YEARS = [2024, 2025, 2026, 2027];

describe("easterSunday", () => {
  it("matches the known dates", () => {
    expect(YEARS.map(easterSunday)).toEqual(["2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28"]);
    expect(easterSunday(2000)).toBe("2000-04-23");
    expect(easterSunday(2019)).toBe("2019-04-21");
  });
});

describe("holidaysFor", () => {
  it("includes each market's independence day every year, but Burkina's from 2026", () => {
    for (const year of YEARS) {
      const holidays = holidaysFor(year);
      for (const market of MARKETS) {
        const date = `${year}-${market.independenceDay}`;
        const present = holidays.some((h) => h.countryCode === market.code && h.date === date);
        // Burkina Faso's law of 9 January 2026 made 5 August a working day of commemoration.
        expect(present, `${market.code} ${date}`).toBe(market.code !== "BF" || year < 2026);
      }
    }
  });

  it("applies Burkina Faso's 2024 and 2026 reforms", () => {
    const bf = (year: number) =>
      holidaysFor(year)
        .filter((h) => h.countryCode === "BF")
        .map((h) => h.nameFr);
    expect(bf(2024)).toContain("Journée des coutumes et traditions");
    expect(bf(2025)).toEqual(
      expect.arrayContaining(["Journée nationale des martyrs", "Toussaint", "Lundi de Pâques"]),
    );
    // 3 January 2026 came before the law; from 2027 only the 11 paid holidays remain.
    expect(bf(2026)).toContain("Anniversaire du soulèvement populaire du 3 janvier 1966");
    expect(bf(2027)).toHaveLength(11);
    for (const year of [2026, 2027]) {
      expect(bf(year)).not.toContain("Toussaint");
      expect(bf(year)).not.toContain("Lundi de Pâques");
      expect(bf(year)).not.toContain("Journée nationale des martyrs");
    }
  });

  it("uses the observed Islamic dates of 2024 and 2025", () => {
    const find = (year: number, country: string, name: RegExp) =>
      holidaysFor(year)
        .filter((h) => h.countryCode === country && name.test(h.nameFr))
        .map((h) => h.date);
    expect(find(2024, "SN", /Magal/)).toEqual(["2024-08-23"]);
    expect(find(2025, "SN", /Magal/)).toEqual(["2025-08-13"]);
    expect(find(2024, "SN", /Tamkharit/)).toEqual(["2024-07-16"]);
    expect(find(2025, "CI", /Nuit du Destin/)).toEqual(["2025-03-27"]);
    expect(find(2025, "CI", /Aïd el-Fitr/)).toEqual(["2025-03-30", "2025-03-31"]);
    expect(find(2025, "ML", /Baptême/)).toEqual(["2025-09-12"]);
  });

  it("dates Korité 2024 on 10 April in Senegal and Côte d'Ivoire", () => {
    const korite = holidaysFor(2024).filter((h) => /Aïd el-Fitr/.test(h.nameFr));
    for (const country of ["SN", "CI"]) {
      expect(korite.find((h) => h.countryCode === country)?.date).toBe("2024-04-10");
    }
  });

  it("derives the Christian movable feasts from Easter", () => {
    const h2025 = holidaysFor(2025);
    const on = (country: string, name: string) =>
      h2025.find((h) => h.countryCode === country && h.nameFr === name)?.date;
    expect(on("CI", "Lundi de Pâques")).toBe("2025-04-21");
    expect(on("SN", "Ascension")).toBe("2025-05-29");
    expect(on("CI", "Lundi de Pentecôte")).toBe("2025-06-09");
    expect(on("CM", "Vendredi saint")).toBe("2025-04-18");
    expect(on("CM", "Lundi de Pâques")).toBeUndefined();
  });

  it("keeps every date inside its year, valid, sorted and without duplicates", () => {
    for (const year of YEARS) {
      const holidays = holidaysFor(year);
      const keys = holidays.map((h) => `${h.date}|${h.countryCode}|${h.nameFr}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect([...keys].sort()).toEqual(keys);
      for (const h of holidays) {
        expect(h.date.slice(0, 4)).toBe(String(year));
        expect(new Date(`${h.date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(h.date);
      }
    }
  });

  it("gives every market its Islamic feasts every year", () => {
    for (const year of YEARS) {
      const holidays = holidaysFor(year);
      for (const market of MARKETS) {
        const names = holidays.filter((h) => h.countryCode === market.code && h.kind === "islamic");
        expect(
          names.some((h) => /Aïd el-Fitr/.test(h.nameFr)),
          `${market.code} ${year}`,
        ).toBe(true);
        expect(
          names.some((h) => /Tabaski/.test(h.nameFr)),
          `${market.code} ${year}`,
        ).toBe(true);
      }
    }
  });

  it("refuses years outside the Islamic date table", () => {
    expect(() => holidaysFor(2023)).toThrow(RangeError);
    expect(() => holidaysFor(2028)).toThrow(RangeError);
  });
});

describe("holidaysByDate", () => {
  it("groups all holidays of the range by date", () => {
    const byDate = holidaysByDate(2024, 2027);
    const total = YEARS.reduce((n, y) => n + holidaysFor(y).length, 0);
    expect([...byDate.values()].reduce((n, list) => n + list.length, 0)).toBe(total);
    expect(
      byDate
        .get("2024-01-01")
        ?.map((h) => h.countryCode)
        .sort(),
    ).toEqual(["BF", "CI", "CM", "ML", "SN"]);
    expect(byDate.get("2024-08-07")?.map((h) => h.countryCode)).toEqual(["CI"]);
    expect(byDate.has("2024-01-02")).toBe(false);
  });
});
