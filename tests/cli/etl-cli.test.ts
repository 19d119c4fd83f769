import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMomo } from "../support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "momo-etl-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { MOMO_DATA_DIR: root };

describe("momo pipeline and momo etl", () => {
  it("generates and loads in one command, then reports the batch and skips a second load", () => {
    const run = runMomo(["pipeline", "--scale", "tiny"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/batch 1 loaded in [\d.]+ s/);
    expect(run.stdout).toMatch(/transactions\s+[\d,]+\s+[\d,]+\s+[\d,]+/);
    expect(run.stdout).toMatch(/duplicate_id/);

    const again = runMomo(["etl", "run", "--json"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "skipped", loadedBy: 1 });

    const batches = runMomo(["etl", "batches"], env);
    expect(batches.code, batches.stderr).toBe(0);
    expect(batches.stdout).toMatch(/^\s*2\s+skipped/m);
    expect(batches.stdout).toMatch(/^\s*1\s+succeeded/m);
  });

  it("names the directory when there is nothing to load", () => {
    const run = runMomo(["etl", "run", "--input", join(root, "nothing-here")], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`input ${join(root, "nothing-here")} does not exist`);
  });
});
