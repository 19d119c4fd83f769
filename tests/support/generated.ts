import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

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

/** Splits one clients.csv line, honouring RFC 4180 quotes. */
export function splitQuoted(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}
