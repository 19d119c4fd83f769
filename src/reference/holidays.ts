/**
 * Public holidays of the operator's markets, 2024–2027.
 *
 * Islamic holidays follow the lunar calendar and are fixed each year by decree after the moon sighting.
 * 2024 and 2025 dates are the ones observed; 2026 and 2027 are astronomical estimates, to be replaced by
 * the official dates when the decrees are published.
 * Days off granted case by case (a Sunday holiday moved to Monday, "pont" decrees) are only modelled
 * where listed in EXCEPTIONAL.
 */
import type { CountryCode } from "./markets.ts";

export interface Holiday {
  /** YYYY-MM-DD */
  date: string;
  countryCode: CountryCode;
  nameFr: string;
  kind: "fixed" | "christian_movable" | "islamic";
}

/** A rule applies to dates in [since, until). */
interface InForce {
  since?: string;
  until?: string;
}

/**
 * Burkina Faso's law of 9 January 2026 cut the paid holidays from 15 to 11: 3 January, Easter Monday,
 * 5 August, 31 October and 1 November became working days of commemoration.
 */
const BF_REFORM: InForce = { until: "2026-01-09" };

const FIXED: Record<CountryCode, ReadonlyArray<readonly [string, string, InForce?]>> = {
  CI: [
    ["01-01", "Jour de l'An"],
    ["05-01", "Fête du Travail"],
    ["08-07", "Fête de l'Indépendance"],
    ["08-15", "Assomption"],
    ["11-01", "Toussaint"],
    ["11-15", "Journée nationale de la paix"],
    ["12-25", "Noël"],
  ],
  SN: [
    ["01-01", "Jour de l'An"],
    ["04-04", "Fête de l'Indépendance"],
    ["05-01", "Fête du Travail"],
    ["08-15", "Assomption"],
    ["11-01", "Toussaint"],
    ["12-25", "Noël"],
  ],
  ML: [
    ["01-01", "Jour de l'An"],
    ["01-20", "Fête de l'Armée"],
    ["03-26", "Journée des Martyrs"],
    ["05-01", "Fête du Travail"],
    ["05-25", "Journée de l'Afrique"],
    ["09-22", "Fête de l'Indépendance"],
    ["12-25", "Noël"],
  ],
  BF: [
    ["01-01", "Jour de l'An"],
    ["01-03", "Anniversaire du soulèvement populaire du 3 janvier 1966", BF_REFORM],
    ["03-08", "Journée internationale de la femme"],
    ["05-01", "Fête du Travail"],
    ["05-15", "Journée des coutumes et traditions", { since: "2024-05-06" }],
    ["08-05", "Fête de l'Indépendance", BF_REFORM],
    ["08-15", "Assomption"],
    ["10-31", "Journée nationale des martyrs", BF_REFORM],
    ["11-01", "Toussaint", BF_REFORM],
    ["12-11", "Fête nationale (proclamation de la République)"],
    ["12-25", "Noël"],
  ],
  CM: [
    ["01-01", "Jour de l'An"],
    ["02-11", "Fête de la Jeunesse"],
    ["05-01", "Fête du Travail"],
    ["05-20", "Fête nationale"],
    ["08-15", "Assomption"],
    ["12-25", "Noël"],
  ],
};

/** Days after Easter Sunday. */
const CHRISTIAN_MOVABLE: ReadonlyArray<readonly [number, string, readonly CountryCode[], InForce?]> = [
  [-2, "Vendredi saint", ["CM"]],
  [1, "Lundi de Pâques", ["CI", "SN", "ML"]],
  [1, "Lundi de Pâques", ["BF"], BF_REFORM],
  [39, "Ascension", ["CI", "SN", "BF", "CM"]],
  [50, "Lundi de Pentecôte", ["CI", "SN"]],
];

type IslamicEvent = "nuitDuDestin" | "korite" | "tabaski" | "tamkharit" | "magal" | "maouloud";

const ISLAMIC_DATES: Record<number, Record<IslamicEvent, string>> = {
  2024: {
    nuitDuDestin: "2024-04-06",
    korite: "2024-04-10",
    tabaski: "2024-06-16",
    tamkharit: "2024-07-16",
    magal: "2024-08-23",
    maouloud: "2024-09-16",
  },
  2025: {
    nuitDuDestin: "2025-03-27",
    korite: "2025-03-31",
    tabaski: "2025-06-06",
    tamkharit: "2025-07-05",
    magal: "2025-08-13",
    maouloud: "2025-09-05",
  },
  2026: {
    nuitDuDestin: "2026-03-16",
    korite: "2026-03-20",
    tabaski: "2026-05-27",
    tamkharit: "2026-06-25",
    magal: "2026-08-02",
    maouloud: "2026-08-26",
  },
  2027: {
    nuitDuDestin: "2027-03-06",
    korite: "2027-03-09",
    tabaski: "2027-05-16",
    tamkharit: "2027-06-15",
    magal: "2027-07-23",
    maouloud: "2027-08-16",
  },
};

/** Countries whose observed date differed from the common one. */
const ISLAMIC_OVERRIDES: Partial<Record<string, string>> = {
  "2024:SN:tabaski": "2024-06-17",
  "2025:SN:tabaski": "2025-06-07",
  "2025:CI:korite": "2025-03-30",
};

/** Extra days off declared by decree for a given year. */
const EXCEPTIONAL: readonly Holiday[] = [
  { date: "2025-03-31", countryCode: "CI", nameFr: "Lendemain de l'Aïd el-Fitr", kind: "islamic" },
];

/** [event, days after the event's date, name, countries] */
const ISLAMIC: ReadonlyArray<readonly [IslamicEvent, number, string, readonly CountryCode[]]> = [
  // CI gives the day after the night (27 Ramadan), which is the date in the table.
  ["nuitDuDestin", 0, "Lendemain de la Nuit du Destin", ["CI"]],
  ["korite", 0, "Aïd el-Fitr (Korité)", ["CI", "SN", "ML", "BF", "CM"]],
  ["tabaski", 0, "Aïd el-Kébir (Tabaski)", ["CI", "SN", "ML", "BF", "CM"]],
  ["tamkharit", 0, "Tamkharit (Achoura)", ["SN"]],
  ["magal", 0, "Grand Magal de Touba", ["SN"]],
  ["maouloud", 0, "Maouloud", ["SN", "ML", "BF"]],
  ["maouloud", 0, "Lendemain du Maouloud", ["CI"]],
  ["maouloud", 7, "Baptême du Prophète", ["ML"]],
];

const DAY_MS = 86_400_000;

function inForce(date: string, rule: InForce | undefined): boolean {
  return (!rule?.since || date >= rule.since) && (!rule?.until || date < rule.until);
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export function holidaysFor(year: number): Holiday[] {
  const islamic = ISLAMIC_DATES[year];
  if (!islamic) throw new RangeError(`No Islamic holiday dates for ${year} (table covers 2024–2027)`);
  const holidays: Holiday[] = [];
  for (const [countryCode, days] of Object.entries(FIXED) as [CountryCode, typeof FIXED.CI][]) {
    for (const [monthDay, nameFr, rule] of days) {
      const date = `${year}-${monthDay}`;
      if (inForce(date, rule)) holidays.push({ date, countryCode, nameFr, kind: "fixed" });
    }
  }
  const easter = easterSunday(year);
  for (const [offset, nameFr, countries, rule] of CHRISTIAN_MOVABLE) {
    const date = addDays(easter, offset);
    if (!inForce(date, rule)) continue;
    for (const countryCode of countries)
      holidays.push({ date, countryCode, nameFr, kind: "christian_movable" });
  }
  for (const [event, offset, nameFr, countries] of ISLAMIC) {
    for (const countryCode of countries) {
      const date = ISLAMIC_OVERRIDES[`${year}:${countryCode}:${event}`] ?? islamic[event];
      holidays.push({ date: addDays(date, offset), countryCode, nameFr, kind: "islamic" });
    }
  }
  holidays.push(...EXCEPTIONAL.filter((h) => h.date.startsWith(`${year}-`)));
  return holidays.sort(
    (x, y) =>
      x.date.localeCompare(y.date) ||
      x.countryCode.localeCompare(y.countryCode) ||
      x.nameFr.localeCompare(y.nameFr),
  );
}

/** Holidays of all markets from 1 January of fromYear to 31 December of toYear, keyed by date. */
export function holidaysByDate(fromYear: number, toYear: number): Map<string, Holiday[]> {
  const byDate = new Map<string, Holiday[]>();
  for (let year = fromYear; year <= toYear; year++) {
    for (const holiday of holidaysFor(year)) {
      const sameDay = byDate.get(holiday.date);
      if (sameDay) sameDay.push(holiday);
      else byDate.set(holiday.date, [holiday]);
    }
  }
  return byDate;
}
