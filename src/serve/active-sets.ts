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

/**
 * Distinct clients with a transaction in each of `ranges`, per value of `group` (an expression on the group's
 * country_code, region_name and client_type, alias a; key `""` without it): per (region,
 * client type) group, the OR of its strings of the range's periods, its bits counted; the shared clients,
 * active under several groups, counted once from their ids. Only when `setsCover(filters)`.
 */
export async function activeClientsFromSets(
  wh: Warehouse,
  filters: Filters,
  ranges: readonly DateRange[],
  group?: string,
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
  const key = group ?? "''";
  const inRange = (i: number) => `s.period_key IN (${keys[i]?.join(", ")})`;
  const bitCounts = keys.map(
    (_, i) => `COALESCE(bit_count(bit_or(s.clients) FILTER (WHERE ${inRange(i)})), 0) AS n${i}`,
  );
  const sharedCounts = keys.map((_, i) => `COUNT(DISTINCT id) FILTER (WHERE ${inRange(i)}) AS n${i}`);
  const sums = keys.map((_, i) => `SUM(n${i}) AS n${i}`);
  const from = "dwh.agg_active_sets AS s JOIN dwh.agg_active_groups AS a ON a.group_id = s.group_id";
  const rows = await wh.query(
    `SELECT group_key, ${sums.join(", ")} FROM (
       SELECT ${key} AS group_key, ${bitCounts.join(", ")} FROM ${from}
        WHERE ${where} AND s.clients IS NOT NULL GROUP BY s.group_id${group ? `, ${group}` : ""}
       UNION ALL
       SELECT ${key}, ${sharedCounts.join(", ")} FROM ${from} CROSS JOIN LATERAL unnest(s.shared) AS id
        WHERE ${where} AND s.shared IS NOT NULL ${group ? `GROUP BY ${group}` : ""}) AS counted
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
