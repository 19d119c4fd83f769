import type { Engine, Warehouse } from "../warehouse/warehouse.ts";
import { addDays, addMonths, dateToKey, keyToDate } from "./dates.ts";
import type { DateRange, Filters } from "./filters.ts";
import { clientAttributeColumns, filterConditions, SqlParams, wholeMonthsOf } from "./sql.ts";

/**
 * Whether PostgreSQL's sets of active clients (dwh.agg_active_sets) answer "distinct active clients" under these
 * filters: they know the region, client type, channel and service of each client-day, not the segment, and
 * not a channel and a service of the same transaction.
 */
export function setsCover(filters: Filters, engine: Engine): boolean {
  return (
    engine === "postgres" &&
    filters.segment === undefined &&
    (filters.channel === undefined || filters.service === undefined)
  );
}

/** The periods of a range as the sets' keys: its whole months (YYYYMM), then its other days (YYYYMMDD). */
export function periodKeys(range: DateRange): number[] {
  const { months, days } = wholeMonthsOf(range);
  const keys: number[] = [];
  if (months) for (let m = months.from; m <= months.to; m = addMonths(m, 1)) keys.push(m);
  for (const part of days)
    for (let day = keyToDate(part.fromKey); dateToKey(day) <= part.toKey; day = addDays(day, 1))
      keys.push(dateToKey(day));
  return keys;
}

/** A breakdown of the counts: by an expression on the group's attributes, or by registration cohort. */
export type SetGrouping =
  | { readonly attribute: string }
  /** Cohorts by registration month (YYYYMM), 0 for every month before `firstCohort`. */
  | { readonly firstCohort: number };

/**
 * Distinct clients with a transaction in each of `ranges` (key `""` without `by`): per (region, client type)
 * group, the OR of its strings of a range's periods, its bits counted (per cohort, the cohort's bits: they are
 * consecutive); the shared clients, active under several groups, counted once from their ids. `by.attribute`
 * is an expression on the group's country_code, region_name and client_type (alias a). Only when
 * `setsCover(filters)`.
 */
export async function activeClientsFromSets(
  wh: Warehouse,
  filters: Filters,
  ranges: readonly DateRange[],
  by?: SetGrouping,
): Promise<Map<string, number[]>> {
  if (!setsCover(filters, wh.engine)) throw new Error("the sets of active clients do not know these filters");
  const p = new SqlParams();
  const keys = ranges.map(periodKeys);
  const every = [...new Set(keys.flat())];
  const counts = new Map<string, number[]>();
  if (every.length === 0) return counts;
  const where = [
    `s.channel_key = ${p.int(filters.channel?.key ?? 0)}`,
    `s.service_key = ${p.int(filters.service?.key ?? 0)}`,
    `s.period_key IN (${every.join(", ")})`,
    ...filterConditions(
      p,
      { ...filters, channel: undefined, service: undefined },
      clientAttributeColumns("a"),
      null,
    ),
  ].join(" AND ");
  const inRange = (i: number) => `s.period_key IN (${keys[i]?.join(", ")})`;
  const n = (each: (i: number) => string) => keys.map((_, i) => `${each(i)} AS n${i}`).join(", ");
  const from = "dwh.agg_active_sets AS s JOIN dwh.agg_active_groups AS a ON a.group_id = s.group_id";
  const unnested = `${from} CROSS JOIN LATERAL unnest(s.shared) AS id`;
  const sharedCounts = n((i) => `COUNT(DISTINCT id) FILTER (WHERE ${inRange(i)})`);
  let counted: string;
  if (by && "firstCohort" in by) {
    const first = p.int(by.firstCohort);
    const registered = (part: string) => `CAST(EXTRACT(${part} FROM m.registration_date) AS INTEGER)`;
    counted = `
      WITH cohorts AS (
        SELECT group_id, CASE WHEN registration_month < ${first} THEN 0 ELSE registration_month END AS cohort,
               MIN(first_bit) + 1 AS first_bit, CAST(SUM(members) AS INTEGER) AS members
          FROM dwh.agg_active_cohorts GROUP BY 1, 2),
      strings AS (
        SELECT s.group_id, ${n((i) => `bit_or(s.clients) FILTER (WHERE ${inRange(i)})`)}
          FROM ${from} WHERE ${where} AND s.clients IS NOT NULL GROUP BY s.group_id)
      SELECT c.cohort AS group_key,
             ${n((i) => `SUM(COALESCE(bit_count(substring(t.n${i} FROM c.first_bit FOR c.members)), 0))`)}
        FROM strings AS t JOIN cohorts AS c ON c.group_id = t.group_id GROUP BY c.cohort
      UNION ALL
      SELECT CASE WHEN ${registered("YEAR")} * 100 + ${registered("MONTH")} < ${first} THEN 0
                  ELSE ${registered("YEAR")} * 100 + ${registered("MONTH")} END, ${sharedCounts}
        FROM ${unnested} JOIN dwh.agg_active_members AS m ON m.shared_id = id
       WHERE ${where} AND s.shared IS NOT NULL GROUP BY 1`;
  } else {
    const group = by?.attribute;
    counted = `
      SELECT ${group ?? "''"} AS group_key, ${n((i) => `COALESCE(bit_count(bit_or(s.clients) FILTER (WHERE ${inRange(i)})), 0)`)}
        FROM ${from} WHERE ${where} AND s.clients IS NOT NULL GROUP BY s.group_id${group ? `, ${group}` : ""}
      UNION ALL
      SELECT ${group ?? "''"}, ${sharedCounts}
        FROM ${unnested} WHERE ${where} AND s.shared IS NOT NULL ${group ? `GROUP BY ${group}` : ""}`;
  }
  const rows = await wh.query(
    `SELECT group_key, ${keys.map((_, i) => `SUM(n${i}) AS n${i}`).join(", ")} FROM (${counted}) AS counted
      GROUP BY group_key`,
    p.values,
  );
  for (const row of rows)
    counts.set(
      String(row.group_key),
      keys.map((_, i) => Number(row[`n${i}`])),
    );
  return counts;
}
