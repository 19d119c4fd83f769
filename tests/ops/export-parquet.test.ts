import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/config.ts";
import { runEtl } from "../../src/etl/run-etl.ts";
import { exportParquet, type ParquetExportResult } from "../../src/export/export-parquet.ts";
import { planExport } from "../../src/export/export-plan.ts";
import { generate } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { openDuckDb } from "../../src/warehouse/duckdb/duckdb-warehouse.ts";
import { servingTablesOf } from "../../src/warehouse/schema.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";
import { runMomo } from "../support/cli.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-export-"));
const input = join(root, "raw");
const databases = new Map<Engine, TestDatabase>();
/** Row count of every dwh table and, for facts, of every month, as the warehouse holds them. */
const expected = new Map<Engine, Map<string, number>>();
const exports = new Map<Engine, ParquetExportResult>();
let reader: Warehouse;

function configFor(db: TestDatabase): Config {
  return Object.freeze({
    engine: db.engine,
    dataDir: root,
    duckdbPath: db.engine === "duckdb" ? db.location : join(root, "unused.duckdb"),
    databaseUrl: db.engine === "postgres" ? db.location : "postgres://postgres@127.0.0.1:1/unused",
  });
}

async function countsOf(wh: Warehouse): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  // The dashboard aggregates are derived from the facts and not exported.
  const derived = servingTablesOf(wh.engine);
  for (const t of (await wh.catalog(["dwh"])).tables)
    if (t.kind === "table" && !derived.includes(t.name)) counts.set(t.name, t.rowCount);
  for (const table of ["fact_transactions", "fact_daily_client_summary"]) {
    const months = await wh.query<{ month: number; n: number }>(
      `SELECT CAST(date_key / 100 AS INTEGER) AS month, count(*) AS n FROM dwh.${table} GROUP BY 1`,
    );
    for (const { month, n } of months)
      counts.set(`${table}/month=${String(month).slice(0, 4)}-${String(month).slice(4)}`, Number(n));
  }
  return counts;
}

const count = async (sql: string) => Number((await reader.query<{ n: number }>(sql))[0]?.n);
const parquet = (engine: Engine, path: string) =>
  `read_parquet('${join(exports.get(engine)?.out ?? "", path)}', hive_partitioning = true)`;

beforeAll(async () => {
  await generate(resolveGenerateOptions({ scale: "tiny", seed: 5, out: input }));
  for (const engine of ENGINES_UNDER_TEST) {
    const db = await createTestDatabase(engine);
    databases.set(engine, db);
    const wh = await db.open();
    try {
      await runEtl(wh, { input });
      expected.set(engine, await countsOf(wh));
    } finally {
      await wh.close();
    }
    exports.set(engine, await exportParquet(configFor(db), { out: join(root, `parquet-${engine}`) }));
  }
  reader = await openDuckDb({ path: ":memory:" });
}, 180_000);

afterAll(async () => {
  await reader?.close();
  for (const db of databases.values()) await db.drop();
  rmSync(root, { recursive: true, force: true });
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo export parquet from ${engine}`, () => {
    it("reads back every table with the row count the warehouse holds", async () => {
      const counts = expected.get(engine) as Map<string, number>;
      const result = exports.get(engine) as ParquetExportResult;
      const tables = [...counts.keys()].filter((k) => !k.includes("/"));
      expect(result.tables.map((t) => t.table).sort()).toEqual(tables.sort());
      expect(counts.get("fact_transactions")).toBeGreaterThan(30_000);
      for (const t of result.tables) {
        expect(t.rows, t.table).toBe(counts.get(t.table));
        if (t.rows === 0) continue;
        expect(
          await count(`SELECT count(*) AS n FROM ${parquet(engine, `${t.table}/**/*.parquet`)}`),
          t.table,
        ).toBe(t.rows);
      }
    });

    it("writes each dimension as one file and each fact as one Hive-style folder per month", async () => {
      const counts = expected.get(engine) as Map<string, number>;
      const out = exports.get(engine)?.out as string;
      expect(readdirSync(join(out, "dim_client"))).toEqual(["part-0.parquet"]);
      for (const fact of ["fact_transactions", "fact_daily_client_summary"]) {
        const months = [...counts.keys()].filter((k) => k.startsWith(`${fact}/`));
        expect(months).toHaveLength(24);
        expect(readdirSync(join(out, fact)).sort()).toEqual(months.map((m) => m.split("/")[1]).sort());
        for (const month of months) {
          const file = `${month}/part-0.parquet`;
          expect(existsSync(join(out, file)), file).toBe(true);
          expect(await count(`SELECT count(*) AS n FROM ${parquet(engine, file)}`), file).toBe(
            counts.get(month),
          );
          const outside = await count(
            `SELECT count(*) AS n FROM ${parquet(engine, file)}
              WHERE strftime(make_date(date_key // 10000, date_key // 100 % 100, 1), '%Y-%m') <> month`,
          );
          expect(outside, file).toBe(0);
        }
      }
    });

    it("keeps plain types: DECIMAL(18,2) money, timestamps without time zone, no month column in the files", async () => {
      const file = join(exports.get(engine)?.out as string, "fact_transactions/month=2024-03/part-0.parquet");
      const schema = await reader.query<{
        name: string;
        converted_type: string | null;
        logical_type: string | null;
      }>(`SELECT name, converted_type, logical_type FROM parquet_schema('${file}')`);
      const byName = new Map(schema.map((c) => [c.name, c]));
      expect(byName.get("amount")?.logical_type).toMatch(/DecimalType\(scale=2, precision=18\)/);
      expect(byName.get("transaction_at")?.logical_type).toMatch(/isAdjustedToUTC=0/);
      expect(byName.has("month")).toBe(false);
    });
  });
}

describe("exports from both engines", () => {
  it.runIf(ENGINES_UNDER_TEST.includes("postgres"))(
    "hold the same transactions, NULLs and empty strings included, apart from engine-assigned keys",
    async () => {
      const rows = (engine: Engine) =>
        `SELECT * EXCLUDE (transaction_key, loaded_at, batch_id) FROM ${parquet(engine, "fact_transactions/**/*.parquet")}`;
      expect(
        await count(`SELECT count(*) AS n FROM (${rows("duckdb")} EXCEPT ALL ${rows("postgres")})`),
      ).toBe(0);
      expect(
        await count(`SELECT count(*) AS n FROM (${rows("postgres")} EXCEPT ALL ${rows("duckdb")})`),
      ).toBe(0);
      const clients = (engine: Engine) =>
        `SELECT * EXCLUDE (batch_id) FROM ${parquet(engine, "dim_client/part-0.parquet")}`;
      expect(
        await count(`SELECT count(*) AS n FROM (${clients("duckdb")} EXCEPT ALL ${clients("postgres")})`),
      ).toBe(0);
    },
  );
});

describe("export safeguards", () => {
  it("refuses to mix with an earlier export unless told to overwrite it", async () => {
    const db = databases.get("duckdb") as TestDatabase;
    const out = exports.get("duckdb")?.out as string;
    await expect(exportParquet(configFor(db), { out })).rejects.toThrow(/already exist: pass --overwrite/);
    const again = await exportParquet(configFor(db), { out, overwrite: true });
    expect(again.tables.find((t) => t.table === "fact_transactions")?.rows).toBe(
      expected.get("duckdb")?.get("fact_transactions"),
    );
  });

  it("refuses a column type other engines would misread, naming it", () => {
    const relation = (type: string) => ({
      schema: "dwh",
      name: "fact_x",
      kind: "table" as const,
      comment: null,
      columns: [{ name: "at", type, nullable: true, comment: null }],
    });
    expect(() => planExport([relation("TIMESTAMP WITH TIME ZONE")])).toThrow(
      /dwh\.fact_x\.at \(TIMESTAMP WITH TIME ZONE\)/,
    );
    expect(() => planExport([relation("HUGEINT")])).toThrow(/HUGEINT/);
    expect(planExport([relation("DECIMAL(18,2)")])[0]?.partitioned).toBe(false);
  });

  it("the CLI exits 2 with one line when the DuckDB warehouse does not exist", () => {
    const run = runMomo(["export", "parquet", "--out", join(root, "none")], {
      MOMO_DUCKDB_PATH: join(root, "missing.duckdb"),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not exist; run `momo init` first/);
  });
});
