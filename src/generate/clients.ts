import { fakerFR, fakerFR_SN } from "@faker-js/faker";
import type { GeographyRow } from "../reference/geography.ts";
import { csvText, FileSink, type WrittenFile } from "./file-sink.ts";
import { clientId } from "./ids.ts";
import type { GenerateOptions } from "./options.ts";
import {
  CHANGE_RATES,
  CLIENT_PROFILES,
  CLIENT_TYPES,
  type ClientType,
  MONTH_SEASONALITY,
  SIZE_BANDS,
  TIERS,
  YEARLY_GROWTH,
} from "./profiles.ts";
import { Rng, WeightedTable } from "./rng.ts";
import { clockTime, dayIso, type Window } from "./window.ts";

export const NEVER = 2 ** 31 - 1;

/** Numeric client attributes the transaction workers need, in shared memory (one slot per client). */
export interface ClientTable {
  readonly count: number;
  readonly type: Uint8Array;
  readonly size: Uint8Array;
  readonly kyc: Uint8Array;
  readonly geo: Uint16Array;
  /** Day of registration relative to the window's first day (negative: registered before). */
  readonly regDay: Int32Array;
  /** Expected transactions per active day, before month seasonality. */
  readonly rate: Float64Array;
  /** Index of the parent client (an agent's distributor), or -1. */
  readonly parent: Int32Array;
  readonly closeDay: Int32Array;
  readonly suspendFrom: Int32Array;
  readonly suspendTo: Int32Array;
  readonly relocDay: Int32Array;
  readonly relocGeo: Uint16Array;
  readonly kycUpDay: Int32Array;
}

export interface ClientPopulation {
  readonly table: ClientTable;
  readonly changesByType: Record<string, number>;
  /** Writes clients.csv and client_changes.csv (names are drawn here, the slow part, off the critical path). */
  writeFiles(outDir: string): WrittenFile[];
}

const CLIENT_HEADER =
  "client_id,client_name,client_type,sector,size_band,tier,kyc_level,geo_code,parent_client_id,registration_date,status";
const CHANGE_HEADER = "change_id,client_id,effective_at,change_type,attribute,old_value,new_value";

/** Activity multiplier of a size band (micro, small, medium, large). */
const SIZE_ACTIVITY = [0.7, 1, 1.8, 3.5];
/** Share of clients registered before the window opens; the rest join during it. */
const REGISTERED_BEFORE = 0.72;
const OLDEST_REGISTRATION_DAYS = 9 * 365;

function sharedArray<T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(
  Kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
  fill?: number,
): T {
  const array = new Kind(new SharedArrayBuffer(n * Kind.BYTES_PER_ELEMENT));
  if (fill !== undefined) array.fill(fill);
  return array;
}

function allocate(n: number): ClientTable {
  return {
    count: n,
    type: sharedArray(Uint8Array, n),
    size: sharedArray(Uint8Array, n),
    kyc: sharedArray(Uint8Array, n),
    geo: sharedArray(Uint16Array, n),
    regDay: sharedArray(Int32Array, n),
    rate: sharedArray(Float64Array, n),
    parent: sharedArray(Int32Array, n, -1),
    closeDay: sharedArray(Int32Array, n, NEVER),
    suspendFrom: sharedArray(Int32Array, n, NEVER),
    suspendTo: sharedArray(Int32Array, n, NEVER),
    relocDay: sharedArray(Int32Array, n, NEVER),
    relocGeo: sharedArray(Uint16Array, n),
    kycUpDay: sharedArray(Int32Array, n, NEVER),
  };
}

/** Where clients live: by population, skipping city rows whose communes are listed (they would count twice). */
export function residenceWeights(geography: readonly GeographyRow[]): number[] {
  const withCommunes = new Set(
    geography.filter((g) => g.localityType === "commune").map((g) => `${g.countryCode}|${g.departmentName}`),
  );
  return geography.map((g) =>
    g.localityType === "capital" && withCommunes.has(`${g.countryCode}|${g.departmentName}`)
      ? 0
      : g.population,
  );
}

export function generateClients(
  options: GenerateOptions,
  window: Window,
  geography: readonly GeographyRow[],
  outDir: string,
  onProgress: (clients: number) => void = () => {},
): ClientPopulation {
  const n = options.clients;
  const rng = new Rng(options.seed, 1);
  const table = allocate(n);
  const typeTable = new WeightedTable(CLIENT_TYPES.map((t) => CLIENT_PROFILES[t].share));
  const geoTable = new WeightedTable(residenceWeights(geography));
  const sizeTables = CLIENT_TYPES.map((t) => new WeightedTable(CLIENT_PROFILES[t].sizes));
  const kycTables = CLIENT_TYPES.map((t) => new WeightedTable(CLIENT_PROFILES[t].kyc));
  const sectors = new Uint8Array(n);

  for (let i = 0; i < n; i++) {
    const type = typeTable.draw(rng);
    const profile = CLIENT_PROFILES[CLIENT_TYPES[type] as ClientType];
    table.type[i] = type;
    sectors[i] = rng.int(profile.sectors.length);
    const size = sizeTables[type]?.draw(rng) ?? 0;
    table.size[i] = size;
    table.kyc[i] = (kycTables[type]?.draw(rng) ?? 0) + 1;
    table.geo[i] = geoTable.draw(rng);
    table.regDay[i] = rng.chance(REGISTERED_BEFORE)
      ? -rng.between(1, OLDEST_REGISTRATION_DAYS)
      : rng.int(Math.max(1, window.days - 30));
    table.rate[i] = profile.dailyRate * (SIZE_ACTIVITY[size] ?? 1) * rng.logNormal(1, profile.activitySigma);
    if (i % 100_000 === 99_999) onProgress(i + 1);
  }
  assignParents(table, geography, rng);
  // Scaling rates later keeps their ranking, so tiers can be set now.
  const tiers = tiersByActivity(table);
  const changes = new FileSink(`${outDir}/client_changes.csv`, "client_changes.csv");
  const counts: Record<string, number> = {};
  try {
    changes.header(CHANGE_HEADER);
    drawChanges(table, window, geography, rng, (i, events) =>
      writeChanges(changes, options.seed, window, i, events, tiers[i] as number, counts),
    );
  } catch (error) {
    changes.abort();
    throw error;
  }
  const changesFile = changes.close();
  scaleRates(table, window, options.transactions * (1 - options.fraudRate));
  return {
    table,
    changesByType: counts,
    writeFiles: (dir) => [
      writeClientsFile(options, window, geography, table, sectors, tiers, dir),
      changesFile,
    ],
  };
}

/** Each agent belongs to a distributor of its own country. */
function assignParents(table: ClientTable, geography: readonly GeographyRow[], rng: Rng): void {
  const agent = CLIENT_TYPES.indexOf("agent");
  const distributor = CLIENT_TYPES.indexOf("distributor");
  const byCountry = new Map<string, number[]>();
  for (let i = 0; i < table.count; i++) {
    if (table.type[i] !== distributor) continue;
    const country = geography[table.geo[i] as number]?.countryCode as string;
    const list = byCountry.get(country) ?? [];
    list.push(i);
    byCountry.set(country, list);
  }
  for (let i = 0; i < table.count; i++) {
    if (table.type[i] !== agent) continue;
    const candidates = byCountry.get(geography[table.geo[i] as number]?.countryCode as string);
    if (candidates?.length) table.parent[i] = candidates[rng.int(candidates.length)] as number;
  }
}

interface ChangeEvent {
  day: number;
  second: number;
  type: string;
  attribute: string;
  oldValue: string;
  newValue: string;
}

/** Draws dated attribute changes per client and records those that shape its transactions. */
function drawChanges(
  table: ClientTable,
  window: Window,
  geography: readonly GeographyRow[],
  rng: Rng,
  emit: (client: number, events: readonly ChangeEvent[]) => void,
): void {
  const byCountry = new Map<string, number[]>();
  geography.forEach((g, index) => {
    const list = byCountry.get(g.countryCode) ?? [];
    list.push(index);
    byCountry.set(g.countryCode, list);
  });
  const at = (day: number) => ({ day, second: rng.between(8 * 3600, 18 * 3600 - 1) });
  for (let i = 0; i < table.count; i++) {
    const from = Math.max(0, (table.regDay[i] as number) + 1);
    const span = window.days - from;
    if (span < 2) continue;
    const events: ChangeEvent[] = [];
    const randomDay = () => from + rng.int(span);
    let tier = -1; // resolved when the file is written, from activity; changes are relative to it
    if (rng.chance(probability(CHANGE_RATES.kyc_upgrade, span)) && (table.kyc[i] as number) < 3) {
      const day = randomDay();
      const kyc = table.kyc[i] as number;
      events.push({
        ...at(day),
        type: "kyc_upgrade",
        attribute: "kyc_level",
        oldValue: String(kyc),
        newValue: String(kyc + 1),
      });
      table.kycUpDay[i] = day;
      if (rng.chance(CHANGE_RATES.tier_with_kyc)) {
        tier = 1;
        const first = events[events.length - 1] as ChangeEvent;
        events.push({
          day,
          second: Math.min(first.second + rng.between(60, 3600), 86_399),
          type: "tier_change",
          attribute: "tier",
          oldValue: "?",
          newValue: "+",
        });
      }
    }
    if (tier < 0 && rng.chance(probability(CHANGE_RATES.tier_change, span))) {
      events.push({
        ...at(randomDay()),
        type: "tier_change",
        attribute: "tier",
        oldValue: "?",
        newValue: rng.chance(0.7) ? "+" : "-",
      });
    }
    if (rng.chance(probability(CHANGE_RATES.relocation, span))) {
      const day = randomDay();
      const home = table.geo[i] as number;
      const sameCountry = byCountry.get((geography[home] as GeographyRow).countryCode) as number[];
      let target = sameCountry[rng.int(sameCountry.length)] as number;
      if (target === home)
        target = sameCountry[(sameCountry.indexOf(home) + 1) % sameCountry.length] as number;
      const [from, to] = [geography[home] as GeographyRow, geography[target] as GeographyRow];
      events.push({
        ...at(day),
        type: "relocation",
        attribute: "geo_code",
        oldValue: from.geoCode,
        newValue: to.geoCode,
      });
      table.relocDay[i] = day;
      table.relocGeo[i] = target;
    }
    if (rng.chance(probability(CHANGE_RATES.suspension, span))) {
      const day = randomDay();
      events.push({
        ...at(day),
        type: "suspension",
        attribute: "status",
        oldValue: "active",
        newValue: "suspended",
      });
      table.suspendFrom[i] = day;
      const back = day + rng.between(7, 120);
      if (rng.chance(CHANGE_RATES.reactivation_after_suspension) && back < window.days) {
        events.push({
          ...at(back),
          type: "reactivation",
          attribute: "status",
          oldValue: "suspended",
          newValue: "active",
        });
        table.suspendTo[i] = back;
      }
    }
    if (rng.chance(probability(CHANGE_RATES.closure, span))) {
      const day = randomDay();
      const suspended = (table.suspendFrom[i] as number) <= day && day < (table.suspendTo[i] as number);
      events.push({
        ...at(day),
        type: "closure",
        attribute: "status",
        oldValue: suspended ? "suspended" : "active",
        newValue: "closed",
      });
      table.closeDay[i] = day;
    }
    if (events.length === 0) continue;
    events.sort((a, b) => a.day - b.day || a.second - b.second);
    const closure = events.findIndex((e) => e.type === "closure");
    const kept = closure >= 0 ? events.slice(0, closure + 1) : events;
    // A status change after a closure never happens; keep the status chain consistent.
    let status = "active";
    const consistent = kept.filter((e) => {
      if (e.attribute !== "status") return true;
      if (e.oldValue !== status) return false;
      status = e.newValue;
      return true;
    });
    // Keep the behaviour arrays in step with the events that survived.
    if (!consistent.some((e) => e.type === "suspension")) table.suspendFrom[i] = NEVER;
    if (!consistent.some((e) => e.type === "reactivation")) table.suspendTo[i] = NEVER;
    emit(i, consistent);
  }
}

function probability(yearlyRate: number, days: number): number {
  return 1 - Math.exp((-yearlyRate * days) / 365);
}

/** Days client `i` can transact in month `m`: registered, not closed, not suspended. */
export function activeDays(
  table: ClientTable,
  i: number,
  firstDay: number,
  lastDayExclusive: number,
): number {
  const from = Math.max(firstDay, (table.regDay[i] as number) + 1);
  const to = Math.min(lastDayExclusive, table.closeDay[i] as number);
  if (to <= from) return 0;
  const suspendedFrom = Math.max(from, table.suspendFrom[i] as number);
  const suspendedTo = Math.min(to, table.suspendTo[i] as number);
  return to - from - Math.max(0, suspendedTo - suspendedFrom);
}

export function monthFactor(window: Window, m: number): number {
  const month = window.months[m] as { calendarMonth: number };
  return (MONTH_SEASONALITY[month.calendarMonth - 1] as number) * (1 + YEARLY_GROWTH) ** (m / 12);
}

/** Scales every client's rate so the expected number of transactions over the window is `target`. */
function scaleRates(table: ClientTable, window: Window, target: number): void {
  let expected = 0;
  const factors = window.months.map((_, m) => monthFactor(window, m));
  for (let i = 0; i < table.count; i++) {
    let days = 0;
    window.months.forEach((month, m) => {
      days += activeDays(table, i, month.firstDay, month.firstDay + month.days) * (factors[m] as number);
    });
    expected += (table.rate[i] as number) * days;
  }
  const k = expected > 0 ? target / expected : 0;
  for (let i = 0; i < table.count; i++) table.rate[i] = (table.rate[i] as number) * k;
}

/** Tiers follow activity: top 2 % platinum, next 8 % gold, next 25 % silver, the rest bronze. */
function tiersByActivity(table: ClientTable): Uint8Array {
  const sorted = Float64Array.from(table.rate).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const [silver, gold, platinum] = [at(0.65), at(0.9), at(0.98)];
  return Uint8Array.from(table.rate, (r) => (r >= platinum ? 3 : r >= gold ? 2 : r >= silver ? 1 : 0));
}

function writeClientsFile(
  options: GenerateOptions,
  window: Window,
  geography: readonly GeographyRow[],
  table: ClientTable,
  sectors: Uint8Array,
  tiers: Uint8Array,
  outDir: string,
): WrittenFile {
  const names = new NameMaker(options.seed);
  const nameRng = new Rng(options.seed, 2);
  const clients = new FileSink(`${outDir}/clients.csv`, "clients.csv");
  try {
    clients.header(CLIENT_HEADER);
    for (let i = 0; i < table.count; i++) {
      const type = CLIENT_TYPES[table.type[i] as number] as ClientType;
      const sector = CLIENT_PROFILES[type].sectors[sectors[i] as number] as string;
      const geo = geography[table.geo[i] as number] as GeographyRow;
      const parent = table.parent[i] as number;
      clients.row(
        `${clientId(i, options.seed)},${csvText(names.make(type, sector, geo, nameRng))},${type},` +
          `${csvText(sector)},${SIZE_BANDS[table.size[i] as number]},` +
          `${TIERS[tiers[i] as number]},${table.kyc[i]},${geo.geoCode},${parent >= 0 ? clientId(parent, options.seed) : ""},` +
          `${dayIso(window, table.regDay[i] as number)},active\n`,
      );
    }
    return clients.close();
  } catch (error) {
    clients.abort();
    throw error;
  }
}

/** Writes one client's change events; a tier change moves one tier up ("+") or down ("-") from the current one. */
function writeChanges(
  sink: FileSink,
  seed: number,
  window: Window,
  i: number,
  events: readonly ChangeEvent[],
  initialTier: number,
  counts: Record<string, number>,
): void {
  const id = clientId(i, seed);
  let tier = initialTier;
  for (const e of events) {
    let { oldValue, newValue } = e;
    if (e.attribute === "tier") {
      const next = newValue === "+" ? Math.min(3, tier + 1) : Math.max(0, tier - 1);
      if (next === tier) continue;
      oldValue = TIERS[tier] as string;
      newValue = TIERS[next] as string;
      tier = next;
    }
    sink.row(
      `CH${String(sink.rows + 1).padStart(9, "0")},${id},${dayIso(window, e.day)} ${clockTime(e.second)},${e.type},${e.attribute},${oldValue},${newValue}\n`,
    );
    counts[e.type] = (counts[e.type] ?? 0) + 1;
  }
}

/** Business names from pools drawn once from faker (French and Senegalese locales), combined per client type. */
class NameMaker {
  readonly #lastNames: string[];
  readonly #firstNames: string[];
  readonly #companies: string[];

  constructor(seed: number) {
    fakerFR_SN.seed(seed);
    fakerFR.seed(seed);
    this.#lastNames = Array.from({ length: 400 }, () => fakerFR_SN.person.lastName());
    this.#firstNames = Array.from({ length: 400 }, () => fakerFR_SN.person.firstName());
    this.#companies = Array.from({ length: 400 }, () => fakerFR.company.name());
  }

  make(type: ClientType, sector: string, geo: GeographyRow, rng: Rng): string {
    const last = rng.pick(this.#lastNames);
    const first = rng.pick(this.#firstNames);
    switch (type) {
      case "merchant":
        return `${rng.pick(MERCHANT_PREFIXES[sector] ?? ["Ets"])} ${rng.chance(0.5) ? first : last}`;
      case "agent":
        return rng.chance(0.5) ? `Point Cash ${first} ${last}` : `Agence ${last} ${geo.localityName}`;
      case "distributor":
        return `${last} Distribution ${rng.pick(["SARL", "SA", "SAS"])}`;
      case "sme":
        return rng.chance(0.5)
          ? `${last} & Fils ${rng.pick(["SARL", "SUARL", "GIE"])}`
          : `${rng.pick(this.#companies)} ${geo.countryCode}`;
      case "corporate":
        return `${rng.pick(this.#companies)} ${geo.countryName} SA`;
      case "biller":
        return `${rng.pick(BILLER_KINDS)} de ${geo.regionName}`;
      case "ngo":
        return `${rng.pick(["ONG", "Association", "Fondation"])} ${rng.pick(NGO_WORDS)} ${last}`;
      case "public_body":
        return rng.chance(0.5)
          ? `Mairie de ${geo.localityName}`
          : `Direction régionale ${rng.pick(PUBLIC_DOMAINS)} ${geo.regionName}`;
    }
  }
}

/** Shop-sign words by merchant sector (the sectors of CLIENT_PROFILES.merchant). */
const MERCHANT_PREFIXES: Record<string, readonly string[]> = {
  "commerce de détail": ["Boutique", "Ets", "Dépôt"],
  alimentation: ["Alimentation", "Supérette", "Dépôt"],
  restauration: ["Restaurant", "Maquis", "Dibiterie"],
  transport: ["Transport", "Taxi-Brousse", "Garage"],
  "mode et textile": ["Couture", "Boutique Mode", "Tissus"],
  électronique: ["Électronique", "Phone Center"],
  pharmacie: ["Pharmacie", "Dépôt pharmaceutique"],
  quincaillerie: ["Quincaillerie", "Matériaux"],
  "beauté et coiffure": ["Salon", "Institut", "Coiffure"],
  télécoms: ["Télécentre", "Cabine"],
};
const BILLER_KINDS = [
  "Société des eaux",
  "Compagnie d'électricité",
  "Télévision satellite",
  "Groupe scolaire",
  "Fournisseur internet",
  "Mutuelle santé",
];
const NGO_WORDS = ["Espoir", "Solidarité", "Avenir", "Entraide", "Santé pour tous", "Terre nourricière"];
const PUBLIC_DOMAINS = ["de la santé", "de l'éducation", "des impôts", "de l'agriculture"];
