import type { Warehouse } from "../warehouse/warehouse.ts";
import { keyToDate } from "./dates.ts";

export interface CodedItem {
  readonly key: number;
  readonly code: string;
  readonly name: string;
}

export interface Region {
  readonly name: string;
  /** Population-weighted centre of the region's localities, for the bubble map. */
  readonly latitude: number;
  readonly longitude: number;
  readonly population: number;
}

export interface Country {
  readonly code: string;
  readonly name: string;
  readonly currency: string;
  readonly regions: readonly Region[];
}

export interface SegmentSnapshot {
  /** The latest as-of date of dwh.client_segments, null until `momo segment` has run. */
  readonly asOfDate: string | null;
  /** The as-of date before it, the start of the segment migration; null with fewer than two. */
  readonly previousAsOfDate: string | null;
  readonly names: readonly string[];
}

/** What the filter bar offers and the API validates against: read from the dimensions, refreshed now and then. */
export interface Reference {
  readonly services: readonly CodedItem[];
  readonly channels: readonly CodedItem[];
  readonly countries: readonly Country[];
  readonly clientTypes: readonly string[];
  readonly segments: SegmentSnapshot;
  /** First and last day of the daily summary, null while the warehouse holds no transactions. */
  readonly dataRange: { readonly first: string | null; readonly last: string | null };
}

export async function loadReference(wh: Warehouse): Promise<Reference> {
  const services = await wh.query<{ key: number; code: string; name: string }>(
    `SELECT service_key AS key, service_code AS code, service_name_en AS name
       FROM dwh.dim_service ORDER BY service_key`,
  );
  const channels = await wh.query<{ key: number; code: string; name: string }>(
    `SELECT channel_key AS key, channel_code AS code, channel_name_en AS name
       FROM dwh.dim_channel ORDER BY channel_key`,
  );
  const regions = await wh.query<{
    country_code: string;
    country_name: string;
    currency_code: string;
    region_name: string;
    latitude: number;
    longitude: number;
    population: number;
  }>(
    `SELECT country_code, country_name, currency_code, region_name,
            CAST(SUM(latitude * population) / SUM(population) AS DOUBLE PRECISION) AS latitude,
            CAST(SUM(longitude * population) / SUM(population) AS DOUBLE PRECISION) AS longitude,
            SUM(population) AS population
       FROM dwh.dim_geography
      GROUP BY country_code, country_name, currency_code, region_name
      ORDER BY country_name, region_name`,
  );
  const clientTypes = await wh.query<{ client_type: string }>(
    "SELECT DISTINCT client_type FROM dwh.dim_client ORDER BY client_type",
  );
  const range = await wh.query<{ first: number | null; last: number | null }>(
    "SELECT MIN(date_key) AS first, MAX(date_key) AS last FROM dwh.fact_daily_client_summary",
  );
  return {
    services,
    channels,
    countries: groupCountries(regions),
    clientTypes: clientTypes.map((r) => r.client_type),
    segments: await loadSegmentSnapshot(wh),
    dataRange: {
      first: range[0]?.first ? keyToDate(Number(range[0].first)) : null,
      last: range[0]?.last ? keyToDate(Number(range[0].last)) : null,
    },
  };
}

async function loadSegmentSnapshot(wh: Warehouse): Promise<SegmentSnapshot> {
  const dates = await wh.query<{ as_of_date: string }>(
    "SELECT DISTINCT as_of_date FROM dwh.client_segments ORDER BY as_of_date DESC LIMIT 2",
  );
  const asOfDate = dates[0]?.as_of_date ?? null;
  if (asOfDate === null) return { asOfDate, previousAsOfDate: null, names: [] };
  const names = await wh.query<{ segment_name: string }>(
    `SELECT DISTINCT segment_name FROM dwh.client_segments
      WHERE as_of_date = CAST($1 AS DATE) ORDER BY segment_name`,
    [asOfDate],
  );
  return {
    asOfDate,
    previousAsOfDate: dates[1]?.as_of_date ?? null,
    names: names.map((r) => r.segment_name),
  };
}

function groupCountries(
  rows: readonly {
    country_code: string;
    country_name: string;
    currency_code: string;
    region_name: string;
    latitude: number;
    longitude: number;
    population: number;
  }[],
): Country[] {
  const countries = new Map<string, Country & { regions: Region[] }>();
  for (const row of rows) {
    let country = countries.get(row.country_code);
    if (!country) {
      country = { code: row.country_code, name: row.country_name, currency: row.currency_code, regions: [] };
      countries.set(row.country_code, country);
    }
    country.regions.push({
      name: row.region_name,
      latitude: roundTo4(Number(row.latitude)),
      longitude: roundTo4(Number(row.longitude)),
      population: Number(row.population),
    });
  }
  return [...countries.values()];
}

/** Coordinates to about 10 m, the same on both engines whatever their floating-point sums. */
function roundTo4(degrees: number): number {
  return Math.round(degrees * 10_000) / 10_000;
}

/** The reference, reloaded when older than `maxAgeMs` so a batch loaded meanwhile shows up. */
export class ReferenceCache {
  readonly #wh: Warehouse;
  readonly #maxAgeMs: number;
  #loaded: Promise<Reference> | undefined;
  #loadedAt = 0;

  constructor(wh: Warehouse, maxAgeMs = 30_000) {
    this.#wh = wh;
    this.#maxAgeMs = maxAgeMs;
  }

  /** Forgets the reference: the next request reads it again. */
  invalidate(): void {
    this.#loaded = undefined;
  }

  get(): Promise<Reference> {
    if (!this.#loaded || Date.now() - this.#loadedAt > this.#maxAgeMs) {
      this.#loadedAt = Date.now();
      const loading = loadReference(this.#wh);
      // A failed load is not cached: the next request tries again.
      loading.catch(() => {
        if (this.#loaded === loading) this.#loaded = undefined;
      });
      this.#loaded = loading;
    }
    return this.#loaded;
  }
}
