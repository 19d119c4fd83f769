import type { SqlValue } from "../warehouse.ts";

/** One row in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes. */
export function copyTextLine(row: readonly SqlValue[]): string {
  let line = "";
  for (let i = 0; i < row.length; i++) {
    if (i > 0) line += "\t";
    line += copyTextField(row[i] ?? null);
  }
  return `${line}\n`;
}

function copyTextField(value: SqlValue): string {
  if (value === null) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value !== "string") return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value;
}

function escapeChar(ch: string): string {
  switch (ch) {
    case "\t":
      return "\\t";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    default:
      return "\\\\";
  }
}
