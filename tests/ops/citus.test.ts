import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CITUS_LAYOUT,
  type CitusCatalog,
  citusDistributionSql,
  readCitusCatalog,
  requireCitus,
} from "../../src/init/citus.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { runMomo } from "../support/cli.ts";
import { createTestDatabase, POSTGRES_AVAILABLE, type TestDatabase } from "../support/engines.ts";

const catalog = (over: Partial<CitusCatalog> = {}): CitusCatalog => ({
  tables: new Map([
    ["dim_date", ["date_key"]],
    ["dim_client", ["client_key", "client_id"]],
    ["fact_transactions", ["transaction_key", "transaction_id", "date_key", "client_id"]],
    ["fact_daily_client_summary", ["date_key", "client_id"]],
    ["fact_fraud_scores", ["transaction_id", "model_version"]],
  ]),
  uniqueKeys: [
    { table: "dim_client", name: "dim_client_pkey", kind: "primary key", columns: ["client_key"] },
    {
      table: "fact_transactions",
      name: "fact_transactions_pkey",
      kind: "primary key",
      columns: ["transaction_key", "date_key"],
    },
    {
      table: "fact_transactions",
      name: "fact_transactions_transaction_id_date_key_key",
      kind: "unique constraint",
      columns: ["transaction_id", "date_key"],
    },
    {
      table: "fact_daily_client_summary",
      name: "fact_daily_client_summary_pkey",
      kind: "primary key",
      columns: ["date_key", "client_id"],
    },
  ],
  references: new Map([["dim_date", ["dim_client"]]]),
  distributed: new Set(),
  ...over,
});

const LAYOUT = {
  reference: ["dim_date", "dim_client"],
  colocated: { column: "client_id", tables: ["fact_transactions", "fact_daily_client_summary"] },
  alone: [{ table: "fact_fraud_scores", column: "transaction_id" }],
};

describe("citusDistributionSql", () => {
  it("makes dimensions reference tables (referenced first), widens unique keys, then shards facts by client_id", () => {
    expect(citusDistributionSql(catalog(), LAYOUT)).toEqual([
      `SELECT create_reference_table('"dwh"."dim_client"');`,
      `SELECT create_reference_table('"dwh"."dim_date"');`,
      `ALTER TABLE "dwh"."fact_transactions" DROP CONSTRAINT "fact_transactions_pkey", ADD CONSTRAINT "fact_transactions_pkey" PRIMARY KEY ("transaction_key", "date_key", "client_id");`,
      `ALTER TABLE "dwh"."fact_transactions" DROP CONSTRAINT "fact_transactions_transaction_id_date_key_key", ADD CONSTRAINT "fact_transactions_transaction_id_date_key_key" UNIQUE ("transaction_id", "date_key", "client_id");`,
      `SELECT create_distributed_table('"dwh"."fact_transactions"', 'client_id', colocate_with => 'default');`,
      `SELECT create_distributed_table('"dwh"."fact_daily_client_summary"', 'client_id', colocate_with => '"dwh"."fact_transactions"');`,
      `SELECT create_distributed_table('"dwh"."fact_fraud_scores"', 'transaction_id', colocate_with => 'none');`,
    ]);
  });

  it("skips the tables Citus already distributes, so running it again finishes an interrupted run", () => {
    const sql = citusDistributionSql(
      catalog({ distributed: new Set(["dim_date", "dim_client", "fact_transactions"]) }),
      LAYOUT,
    );
    expect(sql).toEqual([
      `SELECT create_distributed_table('"dwh"."fact_daily_client_summary"', 'client_id', colocate_with => '"dwh"."fact_transactions"');`,
      `SELECT create_distributed_table('"dwh"."fact_fraud_scores"', 'transaction_id', colocate_with => 'none');`,
    ]);
  });

  it("refuses a table the layout does not place, a missing distribution column, a unique index it cannot widen", () => {
    const extra = catalog();
    (extra.tables as Map<string, string[]>).set("fact_new", ["client_id"]);
    expect(() => citusDistributionSql(extra, LAYOUT)).toThrow(/no Citus distribution for "dwh"."fact_new"/);
    const noColumn = catalog();
    (noColumn.tables as Map<string, string[]>).set("fact_daily_client_summary", ["date_key"]);
    expect(() => citusDistributionSql(noColumn, LAYOUT)).toThrow(/has no column client_id/);
    const index = catalog({
      uniqueKeys: [
        { table: "fact_transactions", name: "ux_tx", kind: "unique index", columns: ["transaction_id"] },
      ],
    });
    expect(() => citusDistributionSql(index, LAYOUT)).toThrow(
      /unique index ux_tx .* lacks the distribution column/,
    );
  });
});

describe.runIf(POSTGRES_AVAILABLE)("momo init --citus against the real PostgreSQL", () => {
  let db: TestDatabase;
  let wh: Warehouse;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    wh = await db.open();
    await initWarehouse(wh);
  });

  afterAll(async () => {
    await wh?.close();
    await db?.drop();
  });

  it("refuses with a clear error, since the citus extension does not exist here", async () => {
    await expect(requireCitus(wh)).rejects.toThrow(
      /citus extension is not (installed on this PostgreSQL server|created in this database).*CREATE EXTENSION citus/,
    );
  });

  it("places every table of the schema and issues SQL that PostgreSQL accepts, keys widened by client_id", async () => {
    const real = await readCitusCatalog(wh, false);
    const sql = citusDistributionSql(real);
    const sharded = [...CITUS_LAYOUT.colocated.tables, ...CITUS_LAYOUT.alone.map((a) => a.table)];
    expect(sql.filter((s) => s.includes("create_reference_table"))).toHaveLength(
      CITUS_LAYOUT.reference.length,
    );
    expect(sql.filter((s) => s.includes("create_distributed_table"))).toHaveLength(sharded.length);
    // Stand-ins with Citus's parameter names record the calls, so the script runs as it would on a coordinator.
    await wh.exec(`
      CREATE TABLE public.citus_calls (n serial, fn text, tbl text, col text, colocate text);
      CREATE FUNCTION public.create_reference_table(table_name regclass) RETURNS void LANGUAGE sql
        AS $$ INSERT INTO public.citus_calls (fn, tbl) VALUES ('reference', table_name::text) $$;
      CREATE FUNCTION public.create_distributed_table(table_name regclass, distribution_column text,
          colocate_with text DEFAULT 'default') RETURNS void LANGUAGE sql
        AS $$ INSERT INTO public.citus_calls (fn, tbl, col, colocate)
              VALUES ('distributed', table_name::text, distribution_column, colocate_with) $$;`);
    for (const statement of sql) await wh.exec(statement);
    const calls = await wh.query<{ fn: string; tbl: string; col: string | null; colocate: string | null }>(
      "SELECT fn, tbl, col, colocate FROM public.citus_calls ORDER BY n",
    );
    const kinds = calls.map((c) => c.fn);
    expect(kinds.lastIndexOf("reference")).toBeLessThan(kinds.indexOf("distributed"));
    const order = calls.map((c) => c.tbl.replace("dwh.", ""));
    for (const [table, targets] of real.references)
      for (const target of targets)
        expect(order.indexOf(target), `${table} → ${target}`).toBeLessThan(order.indexOf(table));
    expect(calls.find((c) => c.tbl === "dwh.fact_daily_client_summary")).toMatchObject({
      col: "client_id",
      colocate: '"dwh"."fact_transactions"',
    });
    const after = await readCitusCatalog(wh, false);
    const shardedByClient = new Set(CITUS_LAYOUT.colocated.tables);
    for (const key of after.uniqueKeys.filter((k) => shardedByClient.has(k.table)))
      expect(key.columns, key.name).toContain("client_id");
    expect(after.uniqueKeys.find((k) => k.name === "fact_transactions_pkey")?.columns).toEqual([
      "transaction_key",
      "date_key",
      "client_id",
    ]);
  });

  it("the CLI exits 1 with the reason before touching the database", async () => {
    const fresh = await createTestDatabase("postgres");
    try {
      const run = runMomo(["init", "--citus", "--engine", "postgres"], { DATABASE_URL: fresh.location });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^momo: the citus extension is not/);
      const check = await fresh.open();
      try {
        expect(await check.query("SELECT 1 FROM pg_namespace WHERE nspname = 'dwh'")).toEqual([]);
      } finally {
        await check.close();
      }
    } finally {
      await fresh.drop();
    }
  });
});

describe("momo init --citus on DuckDB", () => {
  it("exits 1 and names the engine it needs", () => {
    const run = runMomo(["init", "--citus"], { MOMO_DUCKDB_PATH: ":memory:" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--citus needs the postgres engine, not duckdb/);
  });
});
