import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMomo } from "../support/cli.ts";
import { COMPOSE } from "./compose-client.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "momo-make-"));
const duckdb = join(scratch, "warehouse.duckdb");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `make` in the repository, with only the given MOMO_ variables and a Docker host that never answers. */
function make(args: readonly string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("MOMO_") && k !== "DATABASE_URL" && k !== "MAKEFLAGS",
    ),
  );
  const result = spawnSync("make", ["--no-print-directory", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...clean, DOCKER_HOST: "unix:///nonexistent/docker.sock", ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const init = runMomo(["init"], { MOMO_DUCKDB_PATH: duckdb });
  expect(init.code, init.stderr).toBe(0);
});

describe("Makefile", () => {
  it("help lists every target with what it does", () => {
    const help = make(["help"]);
    expect(help.code).toBe(0);
    for (const target of ["status", "db-info", "up", "down", "demo", "test", "bench", "docs", "export"])
      expect(help.stdout).toMatch(new RegExp(`^  make ${target} +\\S`, "m"));
  });

  it("status and db-info run the CLI on the warehouse MOMO_DUCKDB_PATH names", () => {
    const status = make(["status"], { MOMO_DUCKDB_PATH: duckdb });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("node bin/momo.js status");
    expect(status.stdout).toMatch(/engine +duckdb/);
    expect(status.stdout).toContain(duckdb);
    expect(status.stdout).toMatch(/dim_date +table +1,461/);

    const info = make(["db-info"], { MOMO_DUCKDB_PATH: duckdb });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain("node bin/momo.js db-info");
    expect(info.stdout).toMatch(/dim_time/);
  });

  it("ENGINE picks the engine, and a failing command fails the target", () => {
    expect(make(["-n", "status", "ENGINE=postgres"]).stdout.trim()).toBe(
      "node bin/momo.js status --engine postgres",
    );
    const missing = make(["status"], { MOMO_DUCKDB_PATH: join(scratch, "none.duckdb") });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/run `momo init` first/);
  });

  it("demo, test and bench call npm (dry run)", () => {
    expect(make(["-n", "demo"]).stdout.trim()).toBe("npm run demo");
    expect(make(["-n", "test"]).stdout.trim()).toBe("npm test");
    expect(make(["-n", "bench"]).stdout.trim()).toBe("npm run bench -- generate");
    expect(make(["-n", "bench", "BENCH=etl"]).stdout.trim()).toBe("npm run bench -- etl");
  });

  it("docs calls momo docs (dry run), and export writes Parquet under OUT", () => {
    expect(make(["-n", "docs"]).stdout.trim()).toBe("node bin/momo.js docs");
    const out = join(scratch, "parquet");
    const run = make(["export", `OUT=${out}`], { MOMO_DUCKDB_PATH: duckdb });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(join(out, "dim_date"))).toEqual(["part-0.parquet"]);
  });

  it("up and down say that no Docker engine answers, and fail", () => {
    for (const target of ["up", "down"]) {
      const run = make([target]);
      expect(run.code, target).not.toBe(0);
      expect(run.stderr).toContain(`make ${target}: no Docker engine answers here`);
      expect(run.stdout).not.toMatch(/compose/);
    }
  });

  it.runIf(COMPOSE)("compose-config validates the stack with the Docker client alone", () => {
    const run = make(["compose-config"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("docker/docker-compose.yml is valid");
  });
});
