import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { WAREHOUSE_SCHEMA } from "../warehouse/schema.ts";
import { qualified, quoteIdent, type Warehouse } from "../warehouse/warehouse.ts";
import { monthOfDateKey, PARTITION_COLUMN, PARTITION_SOURCE_COLUMN, type TablePlan } from "./export-plan.ts";

export interface TableExport {
  readonly table: string;
  readonly rows: number;
  /** Parquet files written: 1 for a table, one per month for a partitioned fact (none when it is empty). */
  readonly files: number;
  readonly partitioned: boolean;
  /** The table's folder under the output directory. */
  readonly path: string;
}

/**
 * Writes one table of a DuckDB warehouse to `<out>/<table>/`: `part-0.parquet`, or for a partitioned fact
 * `month=YYYY-MM/part-0.parquet` per month, through DuckDB's COPY (Snappy-compressed, plain types).
 */
export async function writeTableParquet(wh: Warehouse, plan: TablePlan, out: string): Promise<TableExport> {
  const path = join(out, plan.table);
  const source = qualified({ schema: WAREHOUSE_SCHEMA, table: plan.table });
  const columns = plan.columns.map(quoteIdent).join(", ");
  mkdirSync(path, { recursive: true });
  const [result] = plan.partitioned
    ? await wh.query<{ Count: number }>(
        `COPY (SELECT ${columns}, ${monthOfDateKey(quoteIdent(PARTITION_SOURCE_COLUMN))} AS ${PARTITION_COLUMN}
                 FROM ${source})
           TO ${literal(path)} (FORMAT parquet, PARTITION_BY (${PARTITION_COLUMN}), FILENAME_PATTERN 'part-{i}')`,
      )
    : await wh.query<{ Count: number }>(
        `COPY (SELECT ${columns} FROM ${source}) TO ${literal(join(path, "part-0.parquet"))} (FORMAT parquet)`,
      );
  return {
    table: plan.table,
    rows: Number(result?.Count ?? 0),
    files: countParquetFiles(path),
    partitioned: plan.partitioned,
    path,
  };
}

function countParquetFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true }).filter((p) => String(p).endsWith(".parquet")).length;
  } catch {
    return 0;
  }
}

function literal(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}
