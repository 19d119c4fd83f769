import { dateRows } from "../reference/calendar.ts";
import { CHANNEL_ROWS } from "../reference/channels.ts";
import { timeRows } from "../reference/clock.ts";
import { loadGeography } from "../reference/geography.ts";
import { SERVICE_ROWS } from "../reference/services.ts";
import { STATUS_ROWS } from "../reference/statuses.ts";
import type { SeedRow } from "./seed-table.ts";

export interface ReferenceDimension {
  readonly table: string;
  readonly key: string;
  rows(): SeedRow[];
}

/** The dimensions `momo init` loads from the product's own reference data (dim_client comes from the ETL). */
export const REFERENCE_DIMENSIONS: readonly ReferenceDimension[] = [
  { table: "dim_date", key: "date_key", rows: () => asSeedRows(dateRows()) },
  { table: "dim_time", key: "time_key", rows: () => asSeedRows(timeRows()) },
  { table: "dim_service", key: "service_key", rows: () => asSeedRows(SERVICE_ROWS) },
  { table: "dim_channel", key: "channel_key", rows: () => asSeedRows(CHANNEL_ROWS) },
  { table: "dim_transaction_status", key: "status_key", rows: () => asSeedRows(STATUS_ROWS) },
  { table: "dim_geography", key: "geography_key", rows: geographyRows },
];

function geographyRows(): SeedRow[] {
  return loadGeography().map((g, i) => ({
    geography_key: i + 1,
    geo_code: g.geoCode,
    country_code: g.countryCode,
    country_name: g.countryName,
    currency_code: g.currency,
    region_name: g.regionName,
    department_name: g.departmentName,
    locality_name: g.localityName,
    locality_type: g.localityType,
    latitude: g.latitude,
    longitude: g.longitude,
    population: g.population,
  }));
}

function asSeedRows<T extends object>(rows: readonly T[]): SeedRow[] {
  return rows.map((row) => ({ ...row }) as SeedRow);
}
