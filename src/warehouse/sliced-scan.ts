import type { Engine } from "./warehouse.ts";

/** An inclusive range of a column's values. */
export type Slice = readonly [number, number];

/**
 * `table` as a source of the FROM clause, read in `slices` of `column` on DuckDB: a UNION ALL of one scan per
 * slice. DuckDB gives a scan as many threads as the table has committed row groups, and the rows of the open
 * transaction count as none, so a statement of an ETL batch reading the batch's own facts ran on one thread;
 * each scan of a union runs on its own. The column must be one the rows were written in order of, so that each
 * slice skips the others' row groups. Daily KPIs of three full-scale months, the facts uncommitted: 1.22-1.26 s
 * as slices against 1.56-1.78 s as one scan (1.24-1.26 s committed). Elsewhere the table itself.
 */
export function slicedScan(engine: Engine, table: string, column: string, slices: readonly Slice[]): string {
  if (engine !== "duckdb" || slices.length < 2) return table;
  const scans = slices.map(([lo, hi]) => `SELECT * FROM ${table} WHERE ${column} BETWEEN ${lo} AND ${hi}`);
  return `(${scans.join(" UNION ALL ")})`;
}

/** Months (YYYYMM, ascending) cut into at most `count` runs of consecutive months, as slices of `unit` per month. */
export function monthSlices(
  months: readonly number[],
  count: number,
  unit: "date_key" | "month_key",
): Slice[] {
  const per = Math.ceil(months.length / Math.max(1, count));
  const slices: Slice[] = [];
  for (let i = 0; i < months.length; i += per) {
    const first = months[i] as number;
    const last = months[Math.min(i + per, months.length) - 1] as number;
    slices.push(unit === "date_key" ? [first * 100, last * 100 + 99] : [first, last]);
  }
  return slices;
}
