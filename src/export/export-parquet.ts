import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config/config.ts";
import { readDictionary } from "../docs/read-dictionary.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { WAREHOUSE_SCHEMA } from "../warehouse/schema.ts";
import type { Engine } from "../warehouse/warehouse.ts";
import { planExport } from "./export-plan.ts";
import { exportFromPostgres } from "./postgres-source.ts";
import { type TableExport, writeTableParquet } from "./write-parquet.ts";

export interface ParquetExportOptions {
  readonly out: string;
  /** Replace the folders of tables already exported to `out`; otherwise their presence is an error. */
  readonly overwrite?: boolean;
  readonly onTable?: (done: TableExport) => void;
}

export interface ParquetExportResult {
  readonly engine: Engine;
  readonly out: string;
  readonly tables: readonly TableExport[];
}

/**
 * Writes every table of the `dwh` schema as Parquet under `out`: `<table>/part-0.parquet`, and for facts
 * `<table>/month=YYYY-MM/part-0.parquet` (Hive-style, readable by Spark, Trino, BigQuery and ClickHouse).
 */
export async function exportParquet(
  config: Config,
  options: ParquetExportOptions,
): Promise<ParquetExportResult> {
  const out = resolve(options.out);
  const onTable = options.onTable ?? (() => {});
  mkdirSync(out, { recursive: true });
  const tables =
    config.engine === "duckdb"
      ? await withWarehouse(
          config,
          async (wh) => {
            const plans = planExport(await readDictionary(wh, [WAREHOUSE_SCHEMA]));
            if (plans.length === 0)
              throw new Error(`${wh.location} holds no ${WAREHOUSE_SCHEMA} tables: run \`momo init\` first`);
            clearOut(
              out,
              plans.map((p) => p.table),
              options.overwrite ?? false,
            );
            const done: TableExport[] = [];
            for (const plan of plans) {
              const exported = await writeTableParquet(wh, plan, out);
              onTable(exported);
              done.push(exported);
            }
            return done;
          },
          { readOnly: true },
        )
      : await exportFromPostgres(config.databaseUrl, out, onTable, (tables) =>
          clearOut(out, tables, options.overwrite ?? false),
        );
  return { engine: config.engine, out, tables };
}

/** Refuses to mix a new export with an old one, unless asked to replace the old tables' folders. */
function clearOut(out: string, tables: readonly string[], overwrite: boolean): void {
  const existing = tables.map((t) => join(out, t)).filter((path) => existsSync(path));
  if (existing.length === 0) return;
  if (!overwrite)
    throw new Error(
      `${existing.join(", ")} already exist: pass --overwrite to replace them, or choose another --out`,
    );
  for (const path of existing) rmSync(path, { recursive: true, force: true });
}
