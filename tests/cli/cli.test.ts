import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMomo } from "../support/cli.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const EXPECTED_ROWS = {
  dim_date: 1461,
  dim_time: 1440,
  ml_models: 0,
  fact_fraud_scores: 0,
  client_segments: 0,
};

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

function envFor(db: TestDatabase): Record<string, string> {
  return db.engine === "duckdb" ? { MOMO_DUCKDB_PATH: db.location } : { DATABASE_URL: db.location };
}

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo CLI on ${engine}`, () => {
    it("init, then db-info --json lists the 9 star-schema tables, 3 ML output tables, the dashboard aggregates and 2 views with their row counts", async () => {
      const db = await createTestDatabase(engine);
      databases.push(db);
      const init = runMomo(["init", "--engine", engine], envFor(db));
      expect(init.stderr).not.toMatch(/momo:/);
      expect(init.code).toBe(0);
      expect(init.stdout).toMatch(/initialised/);

      const info = runMomo(["db-info", "--json", "--engine", engine], envFor(db));
      expect(info.code).toBe(0);
      const report = JSON.parse(info.stdout);
      expect(report.engine).toBe(engine);
      // 11 dashboard aggregates, and 5 more of PostgreSQL's own.
      expect(report.tables).toHaveLength(engine === "postgres" ? 28 : 25);
      expect(report.views).toHaveLength(2);
      const rows = Object.fromEntries(
        report.tables.map((t: { name: string; rowCount: number }) => [t.name, t.rowCount]),
      );
      expect(rows).toMatchObject(EXPECTED_ROWS);
      expect(rows.dim_service).toBeGreaterThanOrEqual(18);
      expect(rows.dim_geography).toBeGreaterThanOrEqual(400);
      expect(report.indexes.length).toBeGreaterThan(10);

      const again = runMomo(["init", "--engine", engine], envFor(db));
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/already up to date/);

      const status = runMomo(["status", "--json", "--engine", engine], envFor(db));
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ engine, initialised: true, missing: [] });
    });
  });
}

describe("momo CLI failures", () => {
  it("an unreachable PostgreSQL gives one line and exit code 2", () => {
    const run = runMomo(["status", "--engine", "postgres"], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/momo",
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^momo: cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/momo: connection refused/,
    );
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("a missing DuckDB file gives exit code 2 and says to run init, without creating the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "momo-cli-"));
    try {
      const run = runMomo(["db-info"], { MOMO_DUCKDB_PATH: join(dir, "none.duckdb") });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/none\.duckdb does not exist; run `momo init` first/);
      expect(runMomo(["status"], { MOMO_DUCKDB_PATH: join(dir, "none.duckdb") }).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a bad configuration value exits 1 naming the variable and what it accepts", () => {
    const run = runMomo(["status"], { MOMO_ENGINE: "sqlite" });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'momo: invalid configuration: MOMO_ENGINE="sqlite" is invalid: accepts one of: duckdb, postgres',
    );
  });

  it("a bad --engine flag exits non-zero listing the choices", () => {
    const run = runMomo(["status", "--engine", "oracle"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Allowed choices are duckdb, postgres/);
  });
});
