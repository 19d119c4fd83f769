import { type DuckDBResultReader, DuckDBTypeId } from "@duckdb/node-api";
import type { Row } from "../warehouse.ts";

const WIDE_INTEGERS = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/** Rows in the shared normal form (see `Row`): JSON values, with 64-bit integers as numbers when safe. */
export function normalisedRows(reader: DuckDBResultReader): Row[] {
  const rows = reader.getRowObjectsJson() as Row[];
  const names = reader.columnNames();
  const wide = reader
    .columnTypes()
    .map((type, i) => (WIDE_INTEGERS.has(type.typeId) ? names[i] : undefined))
    .filter((name): name is string => name !== undefined);
  if (wide.length === 0) return rows;
  for (const row of rows) {
    for (const name of wide) {
      const value = row[name];
      if (typeof value === "string") {
        const n = Number(value);
        if (Number.isSafeInteger(n)) row[name] = n;
      }
    }
  }
  return rows;
}
