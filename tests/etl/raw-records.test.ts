import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { InputFile } from "../../src/etl/input.ts";
import { rawRecords } from "../../src/etl/raw-records.ts";
import { forEachCsvRecord } from "../../src/etl/records.ts";

const root = mkdtempSync(join(tmpdir(), "momo-raw-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function csv(name: string, text: string): InputFile {
  const path = join(root, name);
  writeFileSync(path, text);
  return { path, name, kind: "transactions", type: "csv", bytes: statSync(path).size };
}

/** What the CSV reader gives as line and raw record, for comparison. */
async function readerRecords(file: InputFile): Promise<Map<number, string>> {
  const records = new Map<number, string>();
  await forEachCsvRecord(
    file.path,
    () => {},
    (rec) => records.set(rec.line, rec.raw),
    () => {},
  );
  return records;
}

describe("rawRecords", () => {
  it("gives the reader's raw record of single-line records, whatever the line ends and encoding", async () => {
    const long = `L,${"é".repeat(700_000)}`; // about 1.4 MB: spans the scanner's 1 MiB chunks
    const file = csv(
      "mixed.csv",
      ["\uFEFFa,b", "T1,x\r", "", "T2,Ségou", '"q\nr",s', long, "T3,last"].join("\n"),
    );
    const reader = await readerRecords(file);
    const lines = [2, 4, 7, 8];
    const raw = await rawRecords(file, lines);
    for (const line of lines) expect(raw.get(line), `line ${line}`).toBe(reader.get(line));
    expect(raw.get(2)).toBe("T1,x");
    expect(raw.get(8)).toBe("T3,last");
    expect((await rawRecords(file, [7])).get(7)).toBe(long);
  });

  it("names the file and line when the line is not there any more", async () => {
    const file = csv("short.csv", "a,b\nT1,x\n");
    await expect(rawRecords(file, [2, 9])).rejects.toThrow(/short\.csv: line 9 is no longer in the file/);
  });
});
