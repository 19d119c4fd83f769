import type { Config } from "../config/config.ts";
import { openDuckDb } from "./duckdb/duckdb-warehouse.ts";
import { openPostgres } from "./postgres/postgres-warehouse.ts";
import type { Warehouse } from "./warehouse.ts";

export interface OpenOptions {
  /** A connection that refuses writes (the HTTP API reads through one). */
  readonly readOnly?: boolean;
}

export function openWarehouse(config: Config, options: OpenOptions = {}): Promise<Warehouse> {
  const readOnly = options.readOnly ?? false;
  return config.engine === "duckdb"
    ? openDuckDb({ path: config.duckdbPath, readOnly })
    : openPostgres({ url: config.databaseUrl, readOnly });
}

/** Opens the warehouse, runs `work`, and closes it whatever happens. */
export async function withWarehouse<T>(
  config: Config,
  work: (wh: Warehouse) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const wh = await openWarehouse(config, options);
  try {
    return await work(wh);
  } finally {
    await wh.close();
  }
}
