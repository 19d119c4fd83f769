import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMomo } from "../support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "momo-etl-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { MOMO_DATA_DIR: root };

describe("momo pipeline, etl, ml and segment", () => {
  it("generates, loads, trains, scores and segments in one command, then skips a second load", () => {
    const run = runMomo(["pipeline", "--scale", "tiny"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/batch 1 loaded in [\d.]+ s/);
    expect(run.stdout).toMatch(/transactions\s+[\d,]+\s+[\d,]+\s+[\d,]+/);
    expect(run.stdout).toMatch(/duplicate_id/);
    expect(run.stdout).toMatch(/fraud model version 1: threshold 0\.\d+/);
    expect(run.stdout).toMatch(/weighting.*\n.*smote|smote.*\n.*weighting/);
    expect(run.stdout).toMatch(/scored [\d,]+ transactions: [\d,]+ alerts/);
    expect(run.stdout).toMatch(/segmented [\d,]+ clients as of \d{4}-\d{2}-\d{2}: /);

    const again = runMomo(["etl", "run", "--json"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "skipped", loadedBy: 1 });

    const batches = runMomo(["etl", "batches"], env);
    expect(batches.code, batches.stderr).toBe(0);
    expect(batches.stdout).toMatch(/^\s*2\s+skipped/m);
    expect(batches.stdout).toMatch(/^\s*1\s+succeeded/m);
  });

  it("evaluates the registered model and segments again as JSON", () => {
    const evaluation = runMomo(["ml", "evaluate", "--json"], env);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const report = JSON.parse(evaluation.stdout);
    expect(report.modelVersion).toBe(1);
    const c = report.test.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(report.test.rows);

    const segments = runMomo(["segment", "--k", "4", "--json"], env);
    expect(segments.code, segments.stderr).toBe(0);
    const result = JSON.parse(segments.stdout);
    expect(result.modelVersion).toBe(2);
    expect(result.segments).toHaveLength(4);
  });

  it("refuses bad model options with the flag named", () => {
    const run = runMomo(["ml", "score", "--model-version", "two"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--model-version accepts a number, got "two"');
  });

  it("names the directory when there is nothing to load", () => {
    const run = runMomo(["etl", "run", "--input", join(root, "nothing-here")], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`input ${join(root, "nothing-here")} does not exist`);
  });
});
