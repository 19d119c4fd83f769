import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { readDictionary } from "../docs/read-dictionary.ts";
import { openDuckDb } from "../warehouse/duckdb/duckdb-warehouse.ts";
import { applySchema, WAREHOUSE_SCHEMA } from "../warehouse/schema.ts";
import { qualified, quoteIdent, type Warehouse, WarehouseUnavailableError } from "../warehouse/warehouse.ts";
import { PARTITION_SOURCE_COLUMN, planExport, type TablePlan } from "./export-plan.ts";
import { type TableExport, writeTableParquet } from "./write-parquet.ts";

/**
 * Exports a PostgreSQL warehouse: each table streams out through `COPY … TO STDOUT` (CSV, one month at a
 * time for facts) into a scratch DuckDB file whose tables `momo init` defines, so the Parquet schema is the
 * same as from a DuckDB warehouse; each table is written, then emptied. One read-only snapshot throughout.
 */
export async function exportFromPostgres(
  url: string,
  out: string,
  onTable: (done: TableExport) => void,
  beforeWrite: (tables: readonly string[]) => void,
): Promise<TableExport[]> {
  const scratch = mkdtempSync(join(tmpdir(), "momo-export-"));
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await connect(client);
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query("SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3");
    const staging = await openDuckDb({ path: join(scratch, "staging.duckdb") });
    try {
      await applySchema(staging);
      const plans = planExport(await readDictionary(staging, [WAREHOUSE_SCHEMA]));
      await requireTables(client, plans);
      beforeWrite(plans.map((p) => p.table));
      const done: TableExport[] = [];
      for (const plan of plans) {
        await stageTable(client, staging, plan, scratch);
        const exported = await writeTableParquet(staging, plan, out);
        await staging.exec(`DELETE FROM ${qualified({ schema: WAREHOUSE_SCHEMA, table: plan.table })}`);
        onTable(exported);
        done.push(exported);
      }
      return done;
    } finally {
      await staging.close();
    }
  } finally {
    await client.end().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function connect(client: pg.Client): Promise<void> {
  try {
    await client.connect();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new WarehouseUnavailableError(`cannot connect to PostgreSQL: ${reason}`, { cause });
  }
}

async function requireTables(client: pg.Client, plans: readonly TablePlan[]): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1",
    [WAREHOUSE_SCHEMA],
  );
  const present = new Set(rows.map((r) => r.name));
  const missing = plans.filter((p) => !present.has(p.table)).map((p) => `${WAREHOUSE_SCHEMA}.${p.table}`);
  if (missing.length > 0)
    throw new Error(`the PostgreSQL warehouse has no ${missing.join(", ")}: run \`momo init\` first`);
}

/** Copies one table into the scratch DuckDB, a month at a time for partitioned facts. Returns rows staged. */
async function stageTable(client: pg.Client, staging: Warehouse, plan: TablePlan, scratch: string) {
  const table = qualified({ schema: WAREHOUSE_SCHEMA, table: plan.table });
  const columns = plan.columns.map(quoteIdent).join(", ");
  const selects = plan.partitioned
    ? (await monthRanges(client, table)).map(
        ([from, to]) =>
          `SELECT ${columns} FROM ${table} WHERE ${PARTITION_SOURCE_COLUMN} >= ${from} AND ${PARTITION_SOURCE_COLUMN} < ${to}`,
      )
    : [`SELECT ${columns} FROM ${table}`];
  const file = join(scratch, "chunk.csv");
  for (const select of selects) {
    await pipeline(client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT csv)`)), createWriteStream(file));
    if (statSync(file).size === 0) continue;
    // CSV keeps NULL (unquoted empty) apart from the empty string (quoted), which DuckDB must not merge.
    await staging.exec(
      `COPY ${table} (${columns}) FROM '${file.replaceAll("'", "''")}'
         (FORMAT csv, AUTO_DETECT false, HEADER false, DELIMITER ',', QUOTE '"', ESCAPE '"', ALLOW_QUOTED_NULLS false)`,
    );
  }
}

/** `[first date key of the month, first date key of the next month)` for every month between min and max. */
async function monthRanges(client: pg.Client, table: string): Promise<Array<[number, number]>> {
  const { rows } = await client.query<{ lo: number | null; hi: number | null }>(
    `SELECT min(${PARTITION_SOURCE_COLUMN}) AS lo, max(${PARTITION_SOURCE_COLUMN}) AS hi FROM ${table}`,
  );
  const { lo, hi } = rows[0] ?? { lo: null, hi: null };
  if (lo === null || hi === null) return [];
  const ranges: Array<[number, number]> = [];
  let month = Math.floor(lo / 100);
  while (month <= Math.floor(hi / 100)) {
    const next = month % 100 === 12 ? month + 89 : month + 1;
    ranges.push([month * 100 + 1, next * 100 + 1]);
    month = next;
  }
  return ranges;
}
