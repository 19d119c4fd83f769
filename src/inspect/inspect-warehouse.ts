import {
  DIMENSION_TABLES,
  FACT_TABLES,
  ML_TABLES,
  servingTablesOf,
  VIEWS,
  WAREHOUSE_SCHEMA,
} from "../warehouse/schema.ts";
import type { Engine, IndexInfo, TableInfo, Warehouse } from "../warehouse/warehouse.ts";

export interface WarehouseReport {
  readonly engine: Engine;
  readonly location: string;
  readonly serverVersion: string;
  readonly schema: string;
  /** Every table and view of the star schema exists. */
  readonly initialised: boolean;
  /** Tables and views of the star schema that do not exist (yet). */
  readonly missing: readonly string[];
  readonly tables: readonly TableInfo[];
  readonly views: readonly TableInfo[];
  readonly indexes: readonly IndexInfo[];
  readonly databaseSizeBytes: number;
}

const expected = (engine: Engine) => [
  ...DIMENSION_TABLES,
  ...FACT_TABLES,
  ...ML_TABLES,
  ...servingTablesOf(engine),
  ...VIEWS,
];

/** What `momo status` and `momo db-info` show: server, schema completeness, relations with counts and sizes. */
export async function inspectWarehouse(wh: Warehouse): Promise<WarehouseReport> {
  const catalog = await wh.catalog([WAREHOUSE_SCHEMA]);
  const present = new Set(catalog.tables.map((t) => t.name));
  const missing = expected(wh.engine).filter((name) => !present.has(name));
  return {
    engine: wh.engine,
    location: wh.location,
    serverVersion: await wh.serverVersion(),
    schema: WAREHOUSE_SCHEMA,
    initialised: missing.length === 0,
    missing,
    tables: catalog.tables.filter((t) => t.kind === "table"),
    views: catalog.tables.filter((t) => t.kind === "view"),
    indexes: catalog.indexes,
    databaseSizeBytes: catalog.databaseSizeBytes,
  };
}
