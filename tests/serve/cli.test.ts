import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import { runMomo } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/engines.ts";
import { type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

const BIN = fileURLToPath(new URL("../../bin/momo.js", import.meta.url));

describe("momo serve and momo report on the command line", () => {
  let input: Awaited<ReturnType<typeof tinyInput>>;
  let tiny: TinyWarehouse;
  let empty: TestDatabase;
  let out: string;

  beforeAll(async () => {
    input = await tinyInput();
    tiny = await tinyWarehouse("duckdb", input.input, false);
    empty = await createTestDatabase("duckdb");
    const wh = await empty.open();
    await initWarehouse(wh);
    await wh.close();
    out = mkdtempSync(join(tmpdir(), "momo-report-cli-"));
  });

  afterAll(async () => {
    await tiny?.db.drop();
    await empty?.drop();
    input?.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("serves until interrupted, printing the address, and answers on it", async () => {
    const child = spawn(process.execPath, [BIN, "serve", "--port", "0"], {
      env: { ...process.env, MOMO_ENGINE: "duckdb", MOMO_DUCKDB_PATH: tiny.db.location },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      const url = /dashboards: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line.toString())?.[1];
      expect(line.toString()).toContain("(duckdb, read-only)");
      expect(url).toBeDefined();
      const health = await fetch(`${url}api/health`);
      expect(await health.json()).toMatchObject({ status: "ok", engine: "duckdb" });
      expect((await fetch(url as string)).headers.get("content-type")).toContain("text/html");
      child.kill("SIGINT");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("refuses a bad port, and a warehouse that does not exist, with one line", () => {
    const port = runMomo(["serve", "--port", "http"], { MOMO_DUCKDB_PATH: tiny.db.location });
    expect(port.code).toBe(1);
    expect(port.stderr).toBe('momo: --port "http" is invalid: accepts a TCP port from 0 to 65535\n');
    const missing = runMomo(["serve", "--port", "0"], { MOMO_DUCKDB_PATH: join(out, "none.duckdb") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("does not exist; run `momo init` first");
  });

  it("writes a report where --out says", () => {
    const run = runMomo(["report", "segmentation", "--out", out], { MOMO_DUCKDB_PATH: tiny.db.location });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^segmentation report: ${join(out, "segmentation.html")} \\(\\d+\\.\\d s\\)\\n$`),
    );
    expect(existsSync(join(out, "segmentation.html"))).toBe(true);
  });

  it("refuses an unknown report, and an empty warehouse, saying what to do", () => {
    const unknown = runMomo(["report", "sales"], { MOMO_DUCKDB_PATH: tiny.db.location });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "value 'sales' is invalid for argument 'kind'. Allowed choices are exploration, fraud, segmentation.",
    );
    const nothing = runMomo(["report", "exploration", "--out", out], { MOMO_DUCKDB_PATH: empty.location });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe(
      "momo: the warehouse holds no transactions yet: load some with `momo pipeline` or `momo etl run`\n",
    );
  });
});
