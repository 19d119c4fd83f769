import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openDuckDb } from "../../src/warehouse/duckdb/duckdb-warehouse.ts";
import { runMomo } from "../support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "momo-generate-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const filesUnder = (dir: string) => readdirSync(dir, { recursive: true }).map(String);

describe("momo generate", () => {
  it("writes the tiny preset and prints a summary", () => {
    const out = join(root, "csv");
    const run = runMomo(["generate", "--scale", "tiny", "--months", "3", "--out", out]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^wrote 2,000 clients, [\d,]+ client changes, [\d,]+ transactions \([\d,]+ fraudulent, [\d,]+ dirty rows\)/,
    );
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.parameters).toMatchObject({ scale: "tiny", months: 3, seed: 42, format: "csv" });
    expect(filesUnder(out).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("writes Parquet files that read back with the manifest's row counts", async () => {
    const out = join(root, "parquet");
    const run = runMomo([
      "generate",
      "--scale",
      "tiny",
      "--months",
      "2",
      "--format",
      "parquet",
      "--json",
      "--out",
      out,
    ]);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.stdout);
    expect(manifest.files.every((f: { path: string }) => f.path.endsWith(".parquet"))).toBe(true);
    expect(filesUnder(out).filter((f) => f.endsWith(".csv"))).toEqual([]);
    const db = await openDuckDb({ path: ":memory:" });
    try {
      for (const file of manifest.files) {
        const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM read_parquet($1)", [
          join(out, file.path),
        ]);
        expect(row?.n, file.path).toBe(file.rows);
      }
      const [broken] = await db.query<{ n: number }>(
        "SELECT count(*) AS n FROM read_parquet($1) WHERE is_fraud IS NULL",
        [join(out, "transactions", "**", "*.parquet")],
      );
      expect(broken?.n).toBe(manifest.dirtyByKind.broken_line);
    } finally {
      await db.close();
    }
  });

  it("rejects a bad option with a message naming it", () => {
    const run = runMomo(["generate", "--scale", "tiny", "--fraud-rate", "lots", "--out", join(root, "bad")]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("momo: --fraud-rate accepts a number");
    const late = runMomo(["generate", "--start", "2027-06-01", "--months", "12", "--out", join(root, "bad")]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(
      /--start and --months must stay within the calendar dimension, 2024-01 … 2027-12/,
    );
  });

  it("on Ctrl-C, stops, removes its partial files and writes no manifest", async () => {
    const out = join(root, "interrupted");
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL("../../bin/momo.js", import.meta.url)),
        "generate",
        "--scale",
        "medium",
        "--out",
        out,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    // Wait until transaction files are being written, then interrupt.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(join(out, "transactions")) && filesUnder(out).some((f) => f.endsWith(".partial"))) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: removed the partial files/);
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
    expect(filesUnder(out).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });
});
