import { GONE_CLIENTS, NEW_CLIENTS } from "../../warehouse/segment-aggregates.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { activeClientsByRange, activityCovers, channelOf } from "../active-clients.ts";
import { activeClientsFromSets, setsCover } from "../active-sets.ts";
import { type ClientVersions, clientVersions, distinctClientsByCohort } from "../client-versions.ts";
import { addMonths, monthEndKey } from "../dates.ts";
import { type Filters, rangeOf } from "../filters.ts";
import { money } from "../money.ts";
import type { Reference } from "../reference.ts";
import {
  CLIENT_MONTH_COLUMNS,
  clientAttributeColumns,
  daysOfMonthIn,
  filterConditions,
  kpiColumns,
  SqlParams,
} from "../sql.ts";
import { clientLevelSource } from "./kpi.ts";

/** Segments are a snapshot per client: the date, service and channel filters do not apply to them. */
function clientLevel(filters: Filters): Filters {
  const { service: _s, channel: _c, ...rest } = filters;
  return rest;
}

export interface SegmentSummary {
  readonly segmentId: number;
  readonly name: string;
  readonly clients: number;
  readonly monetary: string;
  readonly averageMonetary: number;
  readonly averageFrequency: number;
  readonly averageRecencyDays: number;
}

export interface Segments {
  /** Null until `momo segment` has segmented the clients. */
  readonly asOfDate: string | null;
  readonly modelVersion: number | null;
  readonly segments: readonly SegmentSummary[];
}

/** The aggregates' own region and client type columns (alias x), for the client filters. */
const SEGMENT_AGGREGATE_COLUMNS = clientAttributeColumns("x");

/**
 * The conditions of the client filters on a segment aggregate: the segment filter names the segment at
 * the latest as-of date, `segmentColumn`'s date.
 */
function segmentAggregateConditions(p: SqlParams, filters: Filters, segmentColumn: string): string[] {
  const { segment, segmentAsOf: _d, ...rest } = clientLevel(filters);
  const where = filterConditions(p, rest, SEGMENT_AGGREGATE_COLUMNS, null);
  if (segment !== undefined) where.push(`${segmentColumn} = ${p.add(segment)}`);
  return where;
}

export async function segmentSummary(
  wh: Warehouse,
  filters: Filters,
  reference: Reference,
): Promise<Segments> {
  const asOfDate = reference.segments.asOfDate;
  if (asOfDate === null) return { asOfDate, modelVersion: null, segments: [] };
  const p = new SqlParams();
  const where = segmentAggregateConditions(p, filters, "x.segment_name");
  const rows = await wh.query(
    `SELECT x.segment_id, x.segment_name, MAX(x.model_version) AS model_version, SUM(x.clients) AS clients,
            SUM(x.monetary) AS monetary, SUM(x.frequency_total) AS frequency, SUM(x.recency_total) AS recency
       FROM dwh.agg_segment_summary AS x
      WHERE x.as_of_date = ${p.date(asOfDate)} AND ${where.join(" AND ")}
      GROUP BY x.segment_id, x.segment_name
      ORDER BY x.segment_id`,
    p.values,
  );
  return {
    asOfDate,
    modelVersion: rows.length > 0 ? Math.max(...rows.map((r) => Number(r.model_version))) : null,
    segments: rows.map((r) => {
      const clients = Number(r.clients);
      return {
        segmentId: Number(r.segment_id),
        name: String(r.segment_name),
        clients,
        monetary: money(r.monetary as string),
        averageMonetary: Number(r.monetary) / clients,
        averageFrequency: Number(r.frequency) / clients,
        averageRecencyDays: Number(r.recency) / clients,
      };
    }),
  };
}

export interface Migration {
  readonly fromDate: string | null;
  readonly toDate: string | null;
  /** Clients per (segment before, segment after); "(new)" and "(gone)" for clients in one snapshot only. */
  readonly flows: readonly { readonly from: string; readonly to: string; readonly clients: number }[];
}

export { GONE_CLIENTS, NEW_CLIENTS };

/** How clients moved between the segments of the two latest as-of dates. */
export async function segmentMigration(
  wh: Warehouse,
  filters: Filters,
  reference: Reference,
): Promise<Migration> {
  const { asOfDate, previousAsOfDate } = reference.segments;
  if (asOfDate === null || previousAsOfDate === null) {
    return { fromDate: previousAsOfDate, toDate: asOfDate, flows: [] };
  }
  const p = new SqlParams();
  const where = segmentAggregateConditions(p, filters, "x.to_segment");
  const rows = await wh.query<{ from_segment: string; to_segment: string; clients: number }>(
    `SELECT x.from_segment, x.to_segment, SUM(x.clients) AS clients
       FROM dwh.agg_segment_migration AS x
      WHERE x.from_date = ${p.date(previousAsOfDate)} AND x.to_date = ${p.date(asOfDate)}
        AND ${where.join(" AND ")}
      GROUP BY x.from_segment, x.to_segment
      ORDER BY clients DESC, x.from_segment, x.to_segment`,
    p.values,
  );
  return {
    fromDate: previousAsOfDate,
    toDate: asOfDate,
    flows: rows.map((r) => ({ from: r.from_segment, to: r.to_segment, clients: Number(r.clients) })),
  };
}

export interface Cohort {
  /** Registration month `YYYY-MM`, or `before YYYY-MM` for clients registered before the data starts. */
  readonly cohort: string;
  /** Clients of the cohort (current versions) matching the filters. */
  readonly size: number;
  /** Active clients of the cohort in each month of `months`. */
  readonly active: readonly number[];
}

export interface Cohorts {
  readonly months: readonly string[];
  readonly cohorts: readonly Cohort[];
}

/** Cohort of a client version (alias): 0 before `start` (a DATE placeholder), else the registration YYYYMM. */
function cohortKey(alias: string, start: string): string {
  return `CASE WHEN ${alias}.registration_date < ${start} THEN 0
               ELSE CAST(EXTRACT(YEAR FROM ${alias}.registration_date) AS INTEGER) * 100
                  + CAST(EXTRACT(MONTH FROM ${alias}.registration_date) AS INTEGER) END`;
}

/** Active clients per registration-month cohort and calendar month of the period. */
export async function registrationCohorts(
  wh: Warehouse,
  filters: Filters,
  reference: Reference,
): Promise<Cohorts> {
  const first = reference.dataRange.first;
  if (first === null) return { months: [], cohorts: [] };
  const firstMonth = `${first.slice(0, 7)}-01`;
  const activity = await activeByCohort(wh, filters, firstMonth);
  const sizes = await cohortSizes(wh, filters, firstMonth);
  const months = [...new Set(activity.map((r) => r.year_month))].sort();
  const active = new Map(activity.map((a) => [`${Number(a.cohort)} ${a.year_month}`, Number(a.active)]));
  const label = (key: number) => (key === 0 ? `before ${firstMonth.slice(0, 7)}` : yearMonth(key));
  return {
    months,
    cohorts: sizes.map((s) => ({
      cohort: label(Number(s.cohort)),
      size: Number(s.size),
      active: months.map((m) => active.get(`${Number(s.cohort)} ${m}`) ?? 0),
    })),
  };
}

/**
 * Current clients per cohort registered by the period's end and matching the filters: the months before the end's
 * from dwh.agg_client_registrations (but under a segment filter), the end's month from dim_client.
 */
async function cohortSizes(
  wh: Warehouse,
  filters: Filters,
  firstMonth: string,
): Promise<{ cohort: number; size: number }[]> {
  const q = new SqlParams();
  const qStart = q.date(firstMonth);
  const byMonth = filters.segment === undefined;
  const endMonth = `${filters.to.slice(0, 7)}-01`;
  const clientWhere = filterConditions(q, clientLevel(filters), CURRENT_CLIENT_COLUMNS, null);
  const fromClients = `SELECT ${cohortKey("c", qStart)} AS cohort, COUNT(*) AS size
       FROM dwh.dim_client AS c
      WHERE c.is_current AND c.registration_date <= ${q.date(filters.to)}
        ${byMonth ? `AND c.registration_date >= ${q.date(endMonth)}` : ""} AND ${clientWhere.join(" AND ")}
      GROUP BY 1`;
  if (!byMonth) return wh.query(`${fromClients} ORDER BY 1`, q.values);
  const first = q.int(cohortMonth(firstMonth));
  const where = filterConditions(q, clientLevel(filters), clientAttributeColumns("x"), null);
  return wh.query(
    `SELECT cohort, SUM(size) AS size FROM (
       SELECT CASE WHEN x.registration_month < ${first} THEN 0 ELSE x.registration_month END AS cohort,
              SUM(x.clients) AS size
         FROM dwh.agg_client_registrations AS x
        WHERE x.registration_month < ${q.int(cohortMonth(endMonth))} AND ${where.join(" AND ")}
        GROUP BY 1
       UNION ALL ${fromClients}) AS sizes
      GROUP BY cohort ORDER BY cohort`,
    q.values,
  );
}

type CohortActivity = { cohort: number; year_month: string; active: number };

/** The month (YYYYMM) of an ISO date. */
function cohortMonth(iso: string): number {
  return Number(iso.slice(0, 4)) * 100 + Number(iso.slice(5, 7));
}

/** A month key (YYYYMM) as YYYY-MM. */
function yearMonth(key: number): string {
  return `${String(key).slice(0, 4)}-${String(key).slice(4)}`;
}

/** Active clients per (cohort, month) of the period, from the cheapest source that can answer under the filters. */
async function activeByCohort(
  wh: Warehouse,
  filters: Filters,
  firstMonth: string,
): Promise<CohortActivity[]> {
  if (setsCover(filters, wh.engine)) return cohortActivity(wh, filters, firstMonth);
  const channelDays = channelDaysColumn(filters);
  // Under a channel, the client months' channel days: full scale, USSD over half a year or from 15 July to 20
  // December, 102-146 ms against 188-638 ms from the channel months of the activity rows (cohortActivity) on DuckDB.
  if (channelDays) return cohortChannelDays(wh, filters, channelDays, firstMonth);
  if (activityCovers(filters, wh.engine, [rangeOf(filters)], "custom"))
    return cohortActivity(wh, filters, firstMonth);
  // Bitmaps pay for their fixed cost (a pass over the moved versions and the recent clients per month) only on
  // many rows: not when a client filter narrows the transactions (full scale, service, channel and country: the
  // hash took 290-340 ms under load 4.5, the bitmaps 430-730 ms).
  const narrowed = [filters.country, filters.clientType, filters.segment].some((f) => f !== undefined);
  const versions = narrowed ? null : await clientVersions(wh);
  if (versions) return cohortBitmaps(wh, versions, filters, firstMonth);
  const p = new SqlParams();
  const start = p.date(firstMonth);
  const where = filterConditions(p, filters, kpiColumns(clientLevelSource(filters), "x"), rangeOf(filters));
  // Clients per (cohort, month) by grouping on the client first: hash aggregates, no sort per group. The version a
  // fact points at carries the client's registration date like the current one does; no status join (PostgreSQL
  // misestimates it and then looks dim_client up by index per row).
  return wh.query<CohortActivity>(
    `SELECT cohort, year_month, COUNT(*) AS active
       FROM (SELECT ${cohortKey("c", start)} AS cohort, d.year_month, x.client_id
               FROM dwh.fact_transactions AS x
               JOIN dwh.dim_date AS d ON d.date_key = x.date_key
               JOIN dwh.dim_client AS c ON c.client_key = x.client_key
              WHERE ${where.join(" AND ")}
              GROUP BY 1, d.year_month, x.client_id) AS active_clients
      GROUP BY cohort, year_month`,
    p.values,
  );
}

/** The client months' column of active days through the filtered channel, when a channel is the only transaction filter. */
function channelDaysColumn(filters: Filters): string | undefined {
  return filters.service === undefined ? channelOf(filters)?.days : undefined;
}

/**
 * Under a channel filter (and no service): active clients per (cohort, month) from dwh.agg_client_monthly, each
 * month's rows tested on their active days through the channel within the period (a mask computed here). A client
 * with one row in the month is counted by COUNT(*), the few with several by COUNT(DISTINCT). Full scale, USSD over
 * half a year: instead of a pass over the transactions.
 */
async function cohortChannelDays(
  wh: Warehouse,
  filters: Filters,
  column: string,
  firstMonth: string,
): Promise<CohortActivity[]> {
  const range = rangeOf(filters);
  const p = new SqlParams();
  const where = filterConditions(p, { ...filters, channel: undefined }, CLIENT_MONTH_COLUMNS, null);
  const first = Math.floor(range.fromKey / 100);
  const last = Math.floor(range.toKey / 100);
  // Only a partial first or last month needs a mask: an OR of a test per month took 250 ms against 90 ms.
  const partial: string[] = [];
  for (const month of first === last ? [first] : [first, last]) {
    const { mask, whole } = daysOfMonthIn(range, month);
    if (!whole) partial.push(`WHEN m.month_key = ${p.int(month)} THEN ${mask}`);
  }
  const days = partial.length > 0 ? `(m.${column} & CASE ${partial.join(" ")} ELSE -1 END)` : `m.${column}`;
  const cohort = cohortKey("m", p.date(firstMonth));
  const rows = await wh.query<{ cohort: number; month_key: number; active: number }>(
    `SELECT ${cohort} AS cohort, m.month_key,
            COUNT(*) FILTER (WHERE NOT m.has_other_rows)
              + COUNT(DISTINCT m.client_id) FILTER (WHERE m.has_other_rows) AS active
       FROM dwh.agg_client_monthly AS m
      WHERE m.month_key BETWEEN ${p.int(first)} AND ${p.int(last)} AND ${days} <> 0
        AND ${where.join(" AND ")}
      GROUP BY 1, m.month_key`,
    p.values,
  );
  return rows.map((r) => ({
    cohort: Number(r.cohort),
    year_month: yearMonth(r.month_key),
    active: Number(r.active),
  }));
}

/**
 * DuckDB, under a service or channel filter: active clients per (cohort, month) from bitmaps of the client
 * versions of each month's transactions (distinctClientsByCohort) instead of a hash of the clients per month over
 * the transactions joined to dim_client.
 */
async function cohortBitmaps(
  wh: Warehouse,
  versions: ClientVersions,
  filters: Filters,
  firstMonth: string,
): Promise<CohortActivity[]> {
  const range = rangeOf(filters);
  const p = new SqlParams();
  const where = filterConditions(p, filters, kpiColumns("transactions", "x"), range);
  const months: number[] = [];
  for (let m = Math.floor(range.fromKey / 100); m <= Math.floor(range.toKey / 100); m = addMonths(m, 1))
    months.push(m);
  const facts = {
    from: "dwh.fact_transactions AS x",
    clientKey: "x.client_key",
    dateKey: "x.date_key",
    where,
  };
  const firstCohort = cohortMonth(firstMonth);
  const counts = await distinctClientsByCohort(wh, versions, facts, months, firstCohort, p.values);
  return counts.map((c) => ({
    cohort: c.cohort,
    year_month: yearMonth(c.month),
    active: c.active,
  }));
}

/**
 * Active clients per (cohort, month of the period): the months the period holds whole from
 * dwh.agg_cohort_monthly, the partial ones (and every month under a segment, channel or service filter, which
 * the aggregate does not know) from PostgreSQL's sets of active clients, or else the activity bits, one mask per
 * month.
 */
async function cohortActivity(
  wh: Warehouse,
  filters: Filters,
  firstMonth: string,
): Promise<CohortActivity[]> {
  const range = rangeOf(filters);
  const months = await wh.query<{ year_month: string; first_key: number; last_key: number }>(
    `SELECT year_month, MIN(date_key) AS first_key, MAX(date_key) AS last_key FROM dwh.dim_date
      WHERE date_key BETWEEN $1 AND $2 GROUP BY year_month ORDER BY year_month`,
    [range.fromKey, range.toKey],
  );
  const isWhole = (m: { first_key: number; last_key: number }) => {
    const month = Math.floor(Number(m.first_key) / 100);
    return Number(m.first_key) === month * 100 + 1 && Number(m.last_key) === monthEndKey(month);
  };
  const known = [filters.segment, filters.channel, filters.service].every((f) => f === undefined);
  const whole = known ? months.filter(isWhole) : [];
  const partial = months.filter((m) => !whole.includes(m));
  const rows = whole.length > 0 ? await cohortMonths(wh, filters, whole, firstMonth) : [];
  if (partial.length === 0) return rows;
  const pieces = partial.map((m) => ({ fromKey: Number(m.first_key), toKey: Number(m.last_key) }));
  const counts = setsCover(filters, wh.engine)
    ? await activeClientsFromSets(wh, filters, pieces, { firstCohort: cohortMonth(firstMonth) })
    : await activeClientsByRange(wh, filters, pieces, (p) => ({
        expr: cohortKey("a", p.date(firstMonth)),
        join: "",
      }));
  for (const [cohort, perMonth] of counts) {
    partial.forEach((m, i) => {
      const active = perMonth[i] ?? 0;
      if (active > 0) rows.push({ cohort: Number(cohort), year_month: m.year_month, active });
    });
  }
  return rows;
}

/** Active clients per (cohort, month) of whole months (contiguous), from dwh.agg_cohort_monthly. */
async function cohortMonths(
  wh: Warehouse,
  filters: Filters,
  months: readonly { year_month: string; first_key: number }[],
  firstMonth: string,
): Promise<CohortActivity[]> {
  const p = new SqlParams();
  const monthKey = (m: { first_key: number }) => Math.floor(Number(m.first_key) / 100);
  const keys = months.map(monthKey);
  const firstKey = cohortMonth(firstMonth);
  // The grouping set of the filters: a NULL column holds every value of it.
  const level = (column: string, value: string | undefined) =>
    value === undefined ? `x.${column} IS NULL` : `x.${column} = ${p.add(value)}`;
  const where = [
    `x.month_key BETWEEN ${p.int(Math.min(...keys))} AND ${p.int(Math.max(...keys))}`,
    level("country_code", filters.country),
    level("region_name", filters.region),
    level("client_type", filters.clientType),
  ];
  const cohort = `CASE WHEN x.registration_month < ${p.int(firstKey)} THEN 0 ELSE x.registration_month END`;
  const rows = await wh.query<{ cohort: number; month_key: number; active: number }>(
    `SELECT ${cohort} AS cohort, x.month_key, SUM(x.clients) AS active FROM dwh.agg_cohort_monthly AS x
      WHERE ${where.join(" AND ")} GROUP BY ${cohort}, x.month_key`,
    p.values,
  );
  const label = new Map(months.map((m) => [monthKey(m), m.year_month]));
  return rows.map((r) => ({
    cohort: Number(r.cohort),
    year_month: label.get(Number(r.month_key)) ?? String(r.month_key),
    active: Number(r.active),
  }));
}

/** The client version's own columns: its filters need no second look-up of dim_client. */
const CURRENT_CLIENT_COLUMNS = {
  dateKey: "NULL",
  clientKey: "c.client_key",
  clientId: "c.client_id",
  geographyKey: "c.geography_key",
  clientType: "c.client_type",
};
