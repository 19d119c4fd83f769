import {
  qualified,
  quoteIdent,
  type SqlValue,
  type TableRef,
  type Warehouse,
} from "../warehouse/warehouse.ts";

export type SeedRow = Record<string, SqlValue>;

export interface SeedResult {
  readonly table: string;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Rows in the table whose key the reference data no longer has; kept, since facts may point at them. */
  readonly retired: number;
}

/**
 * Makes `target` hold `rows`, keyed by `key`: new keys are bulk-loaded, changed rows updated,
 * equal rows left alone — so seeding twice changes nothing.
 */
export async function seedTable(
  wh: Warehouse,
  target: TableRef,
  key: string,
  rows: readonly SeedRow[],
): Promise<SeedResult> {
  const first = rows[0];
  if (!first) throw new Error(`no reference rows for ${target.table}`);
  const columns = Object.keys(first);
  const existing = new Map<unknown, Record<string, unknown>>();
  for (const row of await wh.query(
    `SELECT ${columns.map(quoteIdent).join(", ")} FROM ${qualified(target)}`,
  )) {
    existing.set(row[key], row);
  }
  const toInsert: SeedRow[] = [];
  const toUpdate: SeedRow[] = [];
  for (const row of rows) {
    const current = existing.get(row[key]);
    existing.delete(row[key]);
    if (!current) toInsert.push(row);
    else if (columns.some((c) => !sameValue(row[c] ?? null, current[c]))) toUpdate.push(row);
  }
  if (toInsert.length) {
    await wh.bulkLoad(
      target,
      columns,
      toInsert.map((row) => columns.map((c) => row[c] ?? null)),
    );
  }
  const settable = columns.filter((c) => c !== key);
  const assignments = settable.map((c, i) => `${quoteIdent(c)} = $${i + 1}`).join(", ");
  for (const row of toUpdate) {
    await wh.query(
      `UPDATE ${qualified(target)} SET ${assignments} WHERE ${quoteIdent(key)} = $${settable.length + 1}`,
      [...settable.map((c) => row[c] ?? null), row[key] ?? null],
    );
  }
  return {
    table: target.table,
    inserted: toInsert.length,
    updated: toUpdate.length,
    unchanged: rows.length - toInsert.length - toUpdate.length,
    retired: existing.size,
  };
}

/** Reference values against stored ones: DECIMAL columns come back as strings with trailing zeros. */
function sameValue(reference: SqlValue, stored: unknown): boolean {
  if (reference === stored) return true;
  if (reference === null || stored === null || stored === undefined) return false;
  if (typeof reference === "boolean" || typeof stored === "boolean") return false;
  const a = Number(reference);
  const b = Number(stored);
  return !Number.isNaN(a) && a === b && String(reference).trim() !== "" && String(stored).trim() !== "";
}
