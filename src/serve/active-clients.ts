import {
  ACTIVITY_MONTHS,
  activityMonthBit,
  activityWord,
  CHANNEL_ACTIVITY,
  type ChannelActivity,
  DAYS_PER_WORD,
} from "../warehouse/serving-aggregates.ts";
import type { Engine, Warehouse } from "../warehouse/warehouse.ts";
import { activeClientsFromSets, setsCover } from "./active-sets.ts";
import { addMonths, keyToDate, monthEndKey } from "./dates.ts";
import type { DateRange, Filters } from "./filters.ts";
import {
  CLIENT_MONTH_COLUMNS,
  clientAttributeColumns,
  daysOfMonthIn,
  filterConditions,
  SqlParams,
  wholeMonthsOf,
} from "./sql.ts";

/** Client attributes active clients can be counted per from dwh.agg_client_days. */
export const ACTIVITY_GROUPS = {
  clientType: "a.client_type",
  country: "a.country_code",
  region: "a.country_code || ':' || a.region_name",
} as const;
export type ActivityGroup = keyof typeof ACTIVITY_GROUPS;

/** The activity rows' client columns, for the region, client type and segment filters (no dates: bits). */
const ACTIVITY_COLUMNS = clientAttributeColumns("a", { clientId: "a.client_id" });

/** A group of one's own: an expression on the activity row (alias a) and the joins it needs. */
export type CustomGroup = (p: SqlParams) => { readonly expr: string; readonly join: string };

/** How distinct active clients are broken down: not at all, by an ActivityGroup, or by a CustomGroup. */
export type Grouping = "none" | "attribute" | "custom";

/**
 * Whether activeClientsByRange answers "distinct active clients" in `ranges` under these filters, faster than
 * the facts. On PostgreSQL, its sets of active clients do, but under a segment or for a custom group. Otherwise,
 * dwh.agg_client_days: it knows each client's region and type and the months it used each channel, not
 * the services it used. A channel's days outside whole months come from the client months, joined on four strings,
 * which pays only on PostgreSQL without groups (full scale, USSD over half a year and its previous period: 2.6-3.5 s
 * against 7.5-10 s from the transactions; per client type from 15 July to 20 December 10-11 s against 4.5-5.6 s;
 * DuckDB 240-270 ms against ~145 ms from its bitmaps of client versions).
 */
export function activityCovers(
  filters: Filters,
  engine: Engine,
  ranges: readonly DateRange[],
  grouping: Grouping,
): boolean {
  if (grouping !== "custom" && setsCover(filters, engine)) return true;
  if (!activityKnows(filters)) return false;
  if (filters.channel === undefined) return true;
  return (
    (engine === "postgres" && grouping === "none") ||
    ranges.every((range) => wholeMonthsOf(range).days.length === 0)
  );
}

/** Whether the activity rows can answer these filters at all: no service, and a channel of the daily summary. */
function activityKnows(filters: Filters): boolean {
  return filters.service === undefined && (filters.channel === undefined || channelOf(filters) !== undefined);
}

/** The activity columns of the filtered channel, if any. */
export function channelOf(filters: Filters): ChannelActivity | undefined {
  if (filters.channel === undefined) return undefined;
  return (CHANNEL_ACTIVITY as Record<string, ChannelActivity | undefined>)[filters.channel.code];
}

const DAY_MS = 86_400_000;

/**
 * The condition "active on a day of `range`" on an activity row (alias a; exported for its test): its whole months in the month bits,
 * one test; the days outside them per 62-day word they overlap, their bits ANDed with the word. Masks are
 * numbers computed here, never user input.
 */
export function activeIn(range: DateRange, firstDateKey: number, days: number): string {
  const { months, days: rest } = wholeMonthsOf(range);
  if (!months) return activeOnDays(range, firstDateKey, days);
  const from = Math.max(0, activityMonthBit(months.from, firstDateKey));
  const to = Math.min(ACTIVITY_MONTHS - 1, activityMonthBit(months.to, firstDateKey));
  // Months past the month bits (a calendar of more than 63 months) keep their days.
  const outside: DateRange[] = [...rest];
  if (activityMonthBit(months.to, firstDateKey) > to)
    outside.push({
      fromKey:
        addMonths(months.from, Math.max(0, to - activityMonthBit(months.from, firstDateKey) + 1)) * 100 + 1,
      toKey: monthEndKey(months.to),
    });
  const tests = outside.map((days_) => activeOnDays(days_, firstDateKey, days));
  if (from <= to) {
    const mask = (1n << BigInt(to + 1)) - (1n << BigInt(from));
    tests.unshift(`(a.months & ${mask}) <> 0`);
  }
  return tests.length > 0 ? `(${tests.join(" OR ")})` : "FALSE";
}

/** activeIn on the day words alone. */
function activeOnDays(range: DateRange, firstDateKey: number, days: number): string {
  const index = (key: number) =>
    Math.round((Date.parse(keyToDate(key)) - Date.parse(keyToDate(firstDateKey))) / DAY_MS);
  const from = Math.max(0, index(range.fromKey));
  const to = Math.min(days - 1, index(range.toKey));
  const tests: string[] = [];
  for (let w = Math.floor(from / DAYS_PER_WORD); from <= to && w <= Math.floor(to / DAYS_PER_WORD); w++) {
    const lo = BigInt(Math.max(from, w * DAYS_PER_WORD) - w * DAYS_PER_WORD);
    const hi = BigInt(Math.min(to, w * DAYS_PER_WORD + DAYS_PER_WORD - 1) - w * DAYS_PER_WORD);
    const mask = (1n << (hi + 1n)) - (1n << lo);
    const word = `a.${activityWord(w)}`;
    tests.push(lo === 0n && hi === BigInt(DAYS_PER_WORD - 1) ? `${word} <> 0` : `(${word} & ${mask}) <> 0`);
  }
  return tests.length > 0 ? `(${tests.join(" OR ")})` : "FALSE";
}

/**
 * Distinct clients with a transaction in each of `ranges`, per group (key `""` without `by`), read from the
 * activity bits: one row per client instead of one per client-day, or PostgreSQL's sets of active clients. Only
 * when `activityCovers(filters)`.
 */
export async function activeClientsByRange(
  wh: Warehouse,
  filters: Filters,
  ranges: readonly DateRange[],
  by?: ActivityGroup | CustomGroup,
): Promise<Map<string, number[]>> {
  if (typeof by !== "function" && setsCover(filters, wh.engine))
    return activeClientsFromSets(wh, filters, ranges, by && { attribute: ACTIVITY_GROUPS[by] });
  if (!activityKnows(filters))
    throw new Error("the activity aggregate has no service, and only the channels of the daily summary");
  const [calendar] = await wh.query<{ first_date_key: number; days: number }>(
    "SELECT first_date_key, days FROM dwh.agg_activity_calendar",
  );
  const counts = new Map<string, number[]>();
  if (!calendar) return counts;
  const p = new SqlParams();
  const custom = typeof by === "function" ? by(p) : null;
  const channel = channelOf(filters);
  const { conditions, join } = channel
    ? activeThrough(p, channel, ranges, Number(calendar.first_date_key), filters)
    : {
        conditions: ranges.map((range) =>
          activeIn(range, Number(calendar.first_date_key), Number(calendar.days)),
        ),
        join: "",
      };
  const where = filterConditions(p, { ...filters, channel: undefined }, ACTIVITY_COLUMNS, null);
  // A client counts once per range even when it was active under two regions or types (SCD2 changes): only
  // the rows of such clients (7.5 % at full scale) go through COUNT(DISTINCT), kept to them by FILTER rather
  // than by a CASE (DuckDB then hashes a few rows, not all of them); PostgreSQL sorts for it, in byte order,
  // twice as fast as the locale's.
  const id = wh.engine === "postgres" ? `a.client_id COLLATE "C"` : "a.client_id";
  const columns = conditions.map(
    (active, i) => `COUNT(*) FILTER (WHERE ${active} AND NOT a.has_other_rows)
      + COUNT(DISTINCT ${id}) FILTER (WHERE ${active} AND a.has_other_rows) AS n${i}`,
  );
  const group = custom ? custom.expr : by ? ACTIVITY_GROUPS[by as ActivityGroup] : "''";
  const rows = await wh.query(
    `SELECT ${group} AS group_key, ${columns.join(", ")} FROM dwh.agg_client_days AS a ${join} ${custom?.join ?? ""}
      WHERE ${where.join(" AND ")} ${by ? `GROUP BY ${group}` : ""}`,
    p.values,
  );
  for (const row of rows) {
    counts.set(
      String(row.group_key),
      ranges.map((_, i) => Number(row[`n${i}`])),
    );
  }
  return counts;
}

/**
 * The conditions "active through `channel` on a day of the range", one per range, on an activity row (alias a)
 * and the join they need: a range's whole months (within the month bits) are a test of the channel's month bits;
 * its other days come from the client months' channel days (alias d, one row per activity row, r<i> for range
 * i), masked per month. Masks are numbers computed here, never user input.
 */
function activeThrough(
  p: SqlParams,
  channel: ChannelActivity,
  ranges: readonly DateRange[],
  firstDateKey: number,
  filters: Filters,
): { conditions: string[]; join: string } {
  const pieces = ranges.map((range) => channelPieces(range, firstDateKey));
  const conditions = pieces.map(({ months, days }, i) => {
    const tests = months === 0n ? [] : [`(a.${channel.months} & ${months}) <> 0`];
    if (days.length > 0) tests.push(`d.r${i}`);
    return tests.length > 0 ? `(${tests.join(" OR ")})` : "FALSE";
  });
  const partial = pieces.flatMap(({ days }, i) => {
    if (days.length === 0) return [];
    const test = days.map(
      ({ month, mask }) => `(m.month_key = ${p.int(month)} AND (m.${channel.days} & ${mask}) <> 0)`,
    );
    return [{ i, test: `(${test.join(" OR ")})` }];
  });
  if (partial.length === 0) return { conditions, join: "" };
  const months = [...new Set(pieces.flatMap(({ days }) => days.map((d) => d.month)))];
  const where = filterConditions(p, { ...filters, channel: undefined }, CLIENT_MONTH_COLUMNS, null);
  const keys = ["client_id", "country_code", "region_name", "client_type"];
  const join = `LEFT JOIN (
      SELECT ${keys.map((k) => `m.${k}`).join(", ")}, ${partial.map(({ i, test }) => `bool_or(${test}) AS r${i}`).join(", ")}
        FROM dwh.agg_client_monthly AS m
       WHERE m.month_key IN (${months.map((m) => p.int(m)).join(", ")})
         AND (${partial.map(({ test }) => test).join(" OR ")}) AND ${where.join(" AND ")}
       GROUP BY ${keys.map((k) => `m.${k}`).join(", ")}) AS d
    ON ${keys.map((k) => `d.${k} = a.${k}`).join(" AND ")}`;
  return { conditions, join };
}

/**
 * A range's months as the channel month bits to test (whole months within the bits) and the days of the others,
 * as a mask of each month's day bits (bit d − 1 for day d).
 */
function channelPieces(
  range: DateRange,
  firstDateKey: number,
): { months: bigint; days: { month: number; mask: bigint }[] } {
  const first = Math.floor(range.fromKey / 100);
  const last = Math.floor(range.toKey / 100);
  let months = 0n;
  const days: { month: number; mask: bigint }[] = [];
  for (let month = first; month <= last; month = addMonths(month, 1)) {
    const { mask, whole } = daysOfMonthIn(range, month);
    const bit = activityMonthBit(month, firstDateKey);
    if (whole && bit >= 0 && bit < ACTIVITY_MONTHS) months |= 1n << BigInt(bit);
    else days.push({ month, mask });
  }
  return { months, days };
}
