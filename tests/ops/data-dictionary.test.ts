import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildDataDictionary, DATA_DICTIONARY_PATH } from "../../src/docs/data-dictionary.ts";
import { type DictionaryRelation, missingComments } from "../../src/docs/read-dictionary.ts";
import { renderDataDictionary } from "../../src/docs/render-dictionary.ts";
import { DIMENSION_TABLES, FACT_TABLES, ML_TABLES, VIEWS } from "../../src/warehouse/schema.ts";
import { runMomo } from "../support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "momo-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docs/data_dictionary.md", () => {
  it("is the dictionary `momo docs` generates from the schema's comments", async () => {
    const generated = await buildDataDictionary();
    const committed = readFileSync(DATA_DICTIONARY_PATH, "utf8");
    expect(committed === generated, "docs/data_dictionary.md is out of date: run `momo docs`").toBe(true);
  });

  it("documents every table and view of the star schema with its columns", async () => {
    const text = await buildDataDictionary();
    for (const name of [...DIMENSION_TABLES, ...FACT_TABLES, ...ML_TABLES, ...VIEWS])
      expect(text).toContain(`### dwh.${name}\n`);
    expect(text).toContain(
      "| `amount` | DECIMAL(18,2) | no | Amount in local currency (currency_code), > 0. |",
    );
    expect(text).toContain("### dwh_audit.etl_rejects\n");
  });
});

const relation = (over: Partial<DictionaryRelation>): DictionaryRelation => ({
  schema: "dwh",
  name: "dim_x",
  kind: "table",
  comment: "X values.",
  columns: [{ name: "x_key", type: "INTEGER", nullable: false, comment: "Key | id." }],
  ...over,
});

describe("the dictionary renderer", () => {
  it("groups relations, links them from the contents and escapes pipes in comments", () => {
    const text = renderDataDictionary([
      relation({ name: "fact_y" }),
      relation({}),
      relation({
        name: "v_z",
        kind: "view",
        columns: [{ name: "n", type: "BIGINT", nullable: true, comment: null }],
      }),
    ]);
    expect(text.indexOf("## Dimensions")).toBeLessThan(text.indexOf("## Facts"));
    expect(text.indexOf("## Facts")).toBeLessThan(text.indexOf("## Views"));
    expect(text).toContain("| [`dwh.dim_x`](#dwhdim_x) | X values. |");
    expect(text).toContain("| `x_key` | INTEGER | no | Key \\| id. |");
    expect(text).toContain("| column | type |\n|---|---|\n| `n` | BIGINT |");
  });

  it("names every table and table column without a comment, and no view column", () => {
    const missing = missingComments([
      relation({ comment: null, columns: [{ name: "a", type: "INTEGER", nullable: true, comment: null }] }),
      relation({
        name: "v",
        kind: "view",
        columns: [{ name: "b", type: "INTEGER", nullable: true, comment: null }],
      }),
    ]);
    expect(missing).toEqual(["dwh.dim_x", "dwh.dim_x.a"]);
  });
});

describe("momo docs", () => {
  it("--check exits 1 on a stale file and names the fix; without --check it rewrites the file", () => {
    const out = join(dir, "data_dictionary.md");
    writeFileSync(out, "# stale\n");
    const check = runMomo(["docs", "--check", "--out", out]);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/out of date: run `momo docs`/);
    expect(readFileSync(out, "utf8")).toBe("# stale\n");

    const write = runMomo(["docs", "--out", out]);
    expect(write.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(DATA_DICTIONARY_PATH, "utf8"));
    expect(runMomo(["docs", "--check", "--out", out]).stdout).toMatch(/is up to date/);
  });
});
