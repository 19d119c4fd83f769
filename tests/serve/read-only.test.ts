import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import { openReadOnlyWarehouse } from "../../src/serve/read-only.ts";
import { checkServedSchema } from "../../src/serve/schema-check.ts";
import { type Warehouse, WarehouseUnavailableError } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { configFor } from "./fixtures.ts";

const WRITES = [
  "INSERT INTO dwh.dim_channel VALUES (9, 'SMS', 'SMS', 'SMS', 'self_service', false, false)",
  "UPDATE dwh.dim_service SET risk_score = 5",
  "DELETE FROM dwh.dim_date",
  "CREATE TABLE dwh.intruder (x INTEGER)",
  "DROP VIEW dwh.v_kpi_overview",
];

for (const engine of ENGINES_UNDER_TEST) {
  describe(`the API's connection on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;

    beforeAll(async () => {
      db = await createTestDatabase(engine);
      const writer = await db.open();
      await initWarehouse(writer);
      await writer.close();
      wh = await openReadOnlyWarehouse(configFor(db));
    });

    afterAll(async () => {
      await wh?.close();
      await db?.drop();
    });

    it("reads", async () => {
      const [row] = await wh.query<{ n: number }>("SELECT COUNT(*) AS n FROM dwh.dim_channel");
      expect(row?.n).toBe(5);
    });

    it.each(WRITES)("refuses to write: %s", async (sql) => {
      await expect(wh.query(sql)).rejects.toThrow(/read-only/i);
    });

    it("is served only with the whole schema, and says which command completes it", async () => {
      await expect(checkServedSchema(wh)).resolves.toBeUndefined();
      const bare = await createTestDatabase(engine);
      try {
        const writer = await bare.open();
        await writer.exec("CREATE SCHEMA dwh");
        await writer.exec("CREATE TABLE dwh.dim_date (date_key INTEGER)");
        await writer.close();
        const reader = await openReadOnlyWarehouse(configFor(bare));
        await expect(checkServedSchema(reader)).rejects.toThrow(
          /lacks dwh\.dim_client, .*dwh_audit\.etl_batches, .*dwh\.agg_segment_migration.*: run `momo init` to bring its schema up to date$/,
        );
        await reader.close();
      } finally {
        await bare.drop();
      }
    });

    it("left the warehouse as it was", async () => {
      const [row] = await wh.query<{ channels: number; dates: number }>(
        "SELECT (SELECT COUNT(*) FROM dwh.dim_channel) AS channels, (SELECT COUNT(*) FROM dwh.dim_date) AS dates",
      );
      expect(row).toEqual({ channels: 5, dates: 1461 });
    });
  });
}

describe("a DuckDB file held by another process", () => {
  let db: TestDatabase;
  let holder: ChildProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase("duckdb");
    const writer = await db.open();
    await initWarehouse(writer);
    await writer.close();
  });

  afterAll(async () => {
    if (holder && holder.exitCode === null) {
      holder.kill();
      await once(holder, "exit");
    }
    await db?.drop();
  });

  it("cannot be served, and the error says who holds it and what to do", async () => {
    const script = `
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const instance = await DuckDBInstance.create(process.argv[1]);
      await instance.connect();
      process.stdout.write("holding\\n");
      process.stdin.on("data", () => {}).on("end", () => process.exit(0));`;
    holder = spawn(process.execPath, ["--input-type=module", "-e", script, db.location], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    await once(holder.stdout as NodeJS.ReadableStream, "data");
    const opening = openReadOnlyWarehouse(configFor(db));
    await expect(opening).rejects.toBeInstanceOf(WarehouseUnavailableError);
    await expect(opening).rejects.toThrow(
      new RegExp(`is in use by another process \\(PID ${holder.pid}\\), probably a running \`momo etl run\``),
    );
    holder.stdin?.end();
    await once(holder, "exit");
    const wh = await openReadOnlyWarehouse(configFor(db));
    expect(await wh.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    await wh.close();
  });

  it("that does not exist is named, with the command that creates it", async () => {
    const missing = { ...configFor(db), duckdbPath: `${db.location}.missing` };
    await expect(openReadOnlyWarehouse(missing)).rejects.toThrow(/does not exist; run `momo init` first/);
  });
});
