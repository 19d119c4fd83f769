import { type Filters, resolveFilters } from "../serve/filters.ts";
import { loadReference, type Reference } from "../serve/reference.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";

/** What every report reads from: the warehouse, its reference values and the filters of its whole history. */
export interface ReportContext {
  readonly wh: Warehouse;
  readonly reference: Reference;
  readonly filters: Filters;
  readonly first: string;
  readonly last: string;
}

export async function reportContext(wh: Warehouse): Promise<ReportContext> {
  const reference = await loadReference(wh);
  const { first, last } = reference.dataRange;
  if (first === null || last === null) {
    throw new Error(
      "the warehouse holds no transactions yet: load some with `momo pipeline` or `momo etl run`",
    );
  }
  return { wh, reference, filters: resolveFilters({ from: first, to: last }, reference), first, last };
}

const COUNT = new Intl.NumberFormat("en-US");
const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 });

export const count = (n: number) => COUNT.format(n);
export const money = (amount: string | number) => `${COMPACT.format(Number(amount))} F CFA`;
export const pct = (ratio: number | null, digits = 2) =>
  ratio === null ? "–" : `${(ratio * 100).toFixed(digits)} %`;
export const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);
