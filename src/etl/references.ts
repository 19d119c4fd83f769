import type { Warehouse } from "../warehouse/warehouse.ts";

/** The small dimensions, read once per batch, that validation resolves codes against. */
export interface References {
  readonly services: ReadonlyMap<string, number>;
  readonly channels: ReadonlyMap<string, number>;
  readonly statuses: ReadonlyMap<string, number>;
  readonly geographies: ReadonlyMap<string, number>;
  /** First and last day of dim_date, yyyymmdd: facts outside it cannot be keyed. */
  readonly firstDateKey: number;
  readonly lastDateKey: number;
}

async function codeMap(wh: Warehouse, sql: string): Promise<Map<string, number>> {
  const rows = await wh.query<{ code: string; key: number }>(sql);
  return new Map(rows.map((r) => [r.code, r.key]));
}

export async function loadReferences(wh: Warehouse): Promise<References> {
  const [range] = await wh.query<{ first: number | null; last: number | null }>(
    "SELECT MIN(date_key) AS first, MAX(date_key) AS last FROM dwh.dim_date",
  );
  if (!range || range.first === null || range.last === null) {
    throw new Error("dwh.dim_date is empty; run `momo init` first");
  }
  return {
    services: await codeMap(wh, "SELECT service_code AS code, service_key AS key FROM dwh.dim_service"),
    channels: await codeMap(wh, "SELECT channel_code AS code, channel_key AS key FROM dwh.dim_channel"),
    statuses: await codeMap(
      wh,
      "SELECT status_code AS code, status_key AS key FROM dwh.dim_transaction_status",
    ),
    geographies: await codeMap(wh, "SELECT geo_code AS code, geography_key AS key FROM dwh.dim_geography"),
    firstDateKey: range.first,
    lastDateKey: range.last,
  };
}
