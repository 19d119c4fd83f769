import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "../../src/reference/geography.ts";

/** Data lines of a generated CSV (header dropped), split on commas: the generator quotes only client names. */
export function csvRows(path: string): string[][] {
  const lines = readFileSync(path, "utf8").split("\n");
  lines.shift();
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => line.split(","));
}

export function transactionFiles(dir: string): string[] {
  return readdirSync(join(dir, "transactions"), { recursive: true })
    .map(String)
    .filter((p) => p.endsWith(".csv"))
    .sort()
    .map((p) => join(dir, "transactions", p));
}

/** clients.csv by client id, read with the project's own RFC 4180 parser (client names may hold commas). */
export function readClients(dir: string): Map<string, string[]> {
  const path = join(dir, "clients.csv");
  const [, ...records] = parseCsv(readFileSync(path, "utf8"), path);
  return new Map(records.map(({ fields }) => [fields[0] as string, fields]));
}
