import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import { REFERENCE_DIMENSIONS } from "../../src/init/reference-dimensions.ts";
import {
  DIMENSION_TABLES,
  FACT_TABLES,
  ML_TABLES,
  SERVING_TABLES,
  servingTablesOf,
  VIEWS,
} from "../../src/warehouse/schema.ts";
import type { Engine, Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const opened = new Map<Engine, { db: TestDatabase; wh: Warehouse }>();

beforeAll(async () => {
  for (const engine of ENGINES_UNDER_TEST) {
    const db = await createTestDatabase(engine);
    const wh = await db.open();
    await initWarehouse(wh);
    opened.set(engine, { db, wh });
  }
});

afterAll(async () => {
  for (const { db, wh } of opened.values()) {
    await wh.close();
    await db.drop();
  }
});

const warehouse = (engine: Engine) => (opened.get(engine) as { wh: Warehouse }).wh;

async function tableContents(wh: Warehouse, table: string, key: string): Promise<Row[]> {
  return wh.query(`SELECT * FROM dwh.${table} ORDER BY ${key}`);
}

async function columnsOf(wh: Warehouse, table: string) {
  return wh.query(
    `SELECT column_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'dwh' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
}

const UNDOCUMENTED_COLUMNS: Record<Engine, string> = {
  duckdb: `SELECT table_name, column_name FROM duckdb_columns()
            WHERE schema_name = 'dwh' AND coalesce(comment, '') = ''
              AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'dwh')`,
  postgres: `SELECT c.relname, a.attname FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'dwh' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL`,
};

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo init on ${engine}`, () => {
    it("creates the 9 tables and 2 views of the star schema, the 3 ML output tables and the 3 dashboard aggregates, with comments", async () => {
      const catalog = await warehouse(engine).catalog(["dwh"]);
      const tables = catalog.tables.filter((t) => t.kind === "table").map((t) => t.name);
      const views = catalog.tables.filter((t) => t.kind === "view").map((t) => t.name);
      expect(tables.sort()).toEqual(
        [...DIMENSION_TABLES, ...FACT_TABLES, ...ML_TABLES, ...servingTablesOf(engine)].sort(),
      );
      expect(views.sort()).toEqual([...VIEWS].sort());
      for (const t of catalog.tables) expect(t.comment?.length ?? 0, t.name).toBeGreaterThan(30);
    });

    it("documents every column", async () => {
      const undocumented = await warehouse(engine).query(UNDOCUMENTED_COLUMNS[engine]);
      expect(undocumented).toEqual([]);
    });

    it("loads the reference dimensions at the sizes the brief asks for", async () => {
      const counts = Object.fromEntries(
        (await warehouse(engine).catalog(["dwh"])).tables.map((t) => [t.name, t.rowCount]),
      );
      expect(counts.dim_date).toBe(1461);
      expect(counts.dim_time).toBe(1440);
      expect(counts.dim_service).toBeGreaterThanOrEqual(18);
      expect(counts.dim_channel).toBeGreaterThanOrEqual(5);
      expect(counts.dim_transaction_status).toBeGreaterThanOrEqual(8);
      expect(counts.dim_geography).toBeGreaterThanOrEqual(400);
      expect(counts.dim_client).toBe(0);
      expect(counts.fact_transactions).toBe(0);
    });

    it("changes nothing when run again", async () => {
      const wh = warehouse(engine);
      const before = await tableContents(wh, "dim_geography", "geography_key");
      const again = await initWarehouse(wh);
      for (const d of again.dimensions) {
        expect(d, d.table).toMatchObject({ inserted: 0, updated: 0, retired: 0 });
      }
      expect(await tableContents(wh, "dim_geography", "geography_key")).toEqual(before);
    });

    it("restores a reference row a user edited, and only that row", async () => {
      const wh = warehouse(engine);
      await wh.query(
        "UPDATE dwh.dim_service SET fee_rate_pct = 9.999, risk_score = 5 WHERE service_code = $1",
        ["MERCHANT_PAYMENT"],
      );
      const result = await initWarehouse(wh);
      const services = result.dimensions.find((d) => d.table === "dim_service");
      expect(services).toMatchObject({ inserted: 0, updated: 1 });
      const [row] = await wh.query(
        "SELECT fee_rate_pct, risk_score FROM dwh.dim_service WHERE service_code = $1",
        ["MERCHANT_PAYMENT"],
      );
      expect(row).toEqual({ fee_rate_pct: "1.000", risk_score: 2 });
    });

    it("provides the SQL utility functions", async () => {
      const [row] = await warehouse(engine).query(
        `SELECT dwh.date_to_key(DATE '2024-02-29') AS k, dwh.key_to_date(20271231) AS d,
                dwh.time_to_key(TIMESTAMP '2024-01-01 23:59:30') AS t, dwh.days_between(DATE '2024-01-01', DATE '2025-01-01') AS n,
                dwh.safe_ratio(1, 3) AS r, dwh.safe_ratio(1, 0) AS z`,
      );
      expect(row).toEqual({ k: 20240229, d: "2027-12-31", t: 2359, n: 366, r: "0.333333", z: null });
    });

    it("enforces the dimension contracts: keys unique, business rules checked", async () => {
      const wh = warehouse(engine);
      await expect(
        wh.query("INSERT INTO dwh.dim_channel VALUES (1, 'DUP', 'x', 'x', 'assisted', false, false)"),
      ).rejects.toThrow();
      await expect(
        wh.query(
          `INSERT INTO dwh.dim_client (client_id, version, client_name, client_type, sector, size_band, tier, kyc_level,
             geography_key, registration_date, status, valid_from, valid_to, is_current, change_reason)
           VALUES ('C1', 1, 'n', 'merchant', 'retail', 'micro', 'gold', 1, 1, DATE '2024-01-01', 'active',
             TIMESTAMP '2024-02-01 00:00:00', TIMESTAMP '2024-01-01 00:00:00', true, 'registration')`,
        ),
      ).rejects.toThrow();
    });

    it("answers the views on an empty warehouse", async () => {
      for (const view of VIEWS)
        expect(await warehouse(engine).query(`SELECT * FROM dwh.${view}`)).toEqual([]);
    });
  });
}

describe.runIf(ENGINES_UNDER_TEST.length === 2)("DuckDB and PostgreSQL side by side", () => {
  it("have the same columns, in the same order, with the same nullability", async () => {
    for (const table of [...DIMENSION_TABLES, ...FACT_TABLES, ...ML_TABLES, ...SERVING_TABLES]) {
      expect(await columnsOf(warehouse("postgres"), table), table).toEqual(
        await columnsOf(warehouse("duckdb"), table),
      );
    }
  });

  it("hold identical reference dimensions", async () => {
    for (const { table, key } of REFERENCE_DIMENSIONS) {
      const duck = await tableContents(warehouse("duckdb"), table, key);
      const pg = await tableContents(warehouse("postgres"), table, key);
      expect(pg.length, table).toBeGreaterThan(0);
      expect(pg, table).toEqual(duck);
    }
  });

  it("partition the transaction fact by month on PostgreSQL only", async () => {
    const [partitions] = await warehouse("postgres").query(
      "SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'dwh.fact_transactions'::regclass",
    );
    expect(partitions).toEqual({ n: 48 });
  });
});
