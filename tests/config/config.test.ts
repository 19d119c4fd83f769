import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, withEngine } from "../../src/config/config.ts";

const dirs: string[] = [];
function workdir(dotenv?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "momo-config-"));
  dirs.push(dir);
  if (dotenv !== undefined) writeFileSync(join(dir, ".env"), dotenv);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("loadConfig", () => {
  it("defaults to embedded DuckDB under data/dwh and a local PostgreSQL URL", () => {
    const cwd = workdir();
    const config = loadConfig({ env: {}, cwd });
    expect(config).toEqual({
      engine: "duckdb",
      dataDir: join(cwd, "data"),
      duckdbPath: join(cwd, "data", "dwh", "momo.duckdb"),
      databaseUrl: "postgres://postgres@127.0.0.1:5432/momo",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads .env, and the environment wins over it", () => {
    const cwd = workdir(
      "MOMO_ENGINE=postgres\nMOMO_DATA_DIR=/srv/momo\nDATABASE_URL=postgres://u:p@db:5433/dwh\n",
    );
    expect(loadConfig({ env: {}, cwd })).toMatchObject({
      engine: "postgres",
      dataDir: "/srv/momo",
      duckdbPath: "/srv/momo/dwh/momo.duckdb",
      databaseUrl: "postgres://u:p@db:5433/dwh",
    });
    expect(loadConfig({ env: { MOMO_ENGINE: "duckdb" }, cwd }).engine).toBe("duckdb");
  });

  it("keeps an explicit DuckDB path, relative to the working directory", () => {
    const cwd = workdir();
    expect(loadConfig({ env: { MOMO_DUCKDB_PATH: "w/x.duckdb" }, cwd }).duckdbPath).toBe(
      join(cwd, "w", "x.duckdb"),
    );
    expect(loadConfig({ env: { MOMO_DUCKDB_PATH: ":memory:" }, cwd }).duckdbPath).toBe(":memory:");
  });

  it("names the variable, its value and what it accepts", () => {
    const cwd = workdir();
    expect(() => loadConfig({ env: { MOMO_ENGINE: "sqlite" }, cwd })).toThrow(
      new ConfigError(
        'invalid configuration: MOMO_ENGINE="sqlite" is invalid: accepts one of: duckdb, postgres',
      ),
    );
    expect(() => loadConfig({ env: { DATABASE_URL: "mysql://h/db" }, cwd })).toThrow(
      /DATABASE_URL="mysql:\/\/h\/db" is invalid: accepts a URL postgres:\/\/user\[:password\]@host\[:port\]\/database/,
    );
    expect(() => loadConfig({ env: { DATABASE_URL: "postgres://h:5432/" }, cwd })).toThrow(/DATABASE_URL/);
  });

  it("says when a bad value came from .env", () => {
    const cwd = workdir("MOMO_ENGINE=oracle\n");
    expect(() => loadConfig({ env: {}, cwd })).toThrow(
      `MOMO_ENGINE="oracle" (from ${join(cwd, ".env")}) is invalid`,
    );
  });
});

describe("withEngine", () => {
  it("overrides the engine and rejects an unknown one", () => {
    const config = loadConfig({ env: {}, cwd: workdir() });
    expect(withEngine(config, "postgres").engine).toBe("postgres");
    expect(withEngine(config, undefined)).toBe(config);
    expect(() => withEngine(config, "mysql")).toThrow(
      /--engine "mysql" is invalid: accepts one of: duckdb, postgres/,
    );
  });
});
