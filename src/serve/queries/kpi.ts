import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import { type ActivityGroup, activeClientsByRange, activityCovers } from "../active-clients.ts";
import {
  type ClientVersions,
  clientVersions,
  distinctClientsByType,
  distinctClientsIn,
} from "../client-versions.ts";
import { keyToDate, previousPeriod } from "../dates.ts";
import { type DateRange, type Filters, needsTransactions, previousRangeOf, rangeOf } from "../filters.ts";
import type { Grain } from "../params.ts";
import type { Reference } from "../reference.ts";
import {
  activeClientCounts,
  filterConditions,
  groupKey,
  type KpiSource,
  type Kpis,
  kpiColumns,
  kpiFromRanges,
  kpiRows,
  kpisFrom,
  SqlParams,
} from "../sql.ts";
import { formatPeriod, periodLabel } from "./periods.ts";

/** The daily KPI aggregate unless the filters name a segment (which needs the clients). */
export function kpiSource(filters: Filters): KpiSource {
  if (filters.segment === undefined) return "daily_kpi";
  return clientLevelSource(filters);
}

/** The fact with a row per client (and day) the filters allow: what distinct clients are counted on. */
export function clientLevelSource(filters: Filters): KpiSource {
  return needsTransactions(filters) ? "transactions" : "daily_summary";
}

/** The fact of a client-level source, without the status join kpiFrom adds to the transactions. */
function clientTable(source: KpiSource): string {
  return source === "transactions" ? "dwh.fact_transactions" : "dwh.fact_daily_client_summary";
}

export interface KpiOverview {
  readonly source: KpiSource;
  readonly period: { readonly from: string; readonly to: string };
  readonly previousPeriod: { readonly from: string; readonly to: string };
  readonly current: Kpis;
  readonly previous: Kpis;
}

/**
 * KPIs of the filtered period and of the period of the same length before it, in one scan of the daily KPI
 * aggregate (the daily summary or the transactions under a segment filter). Active clients come from the
 * activity bits, or, under a service or channel filter, from one scan of the transactions.
 */
export async function kpiOverview(
  wh: Warehouse,
  filters: Filters,
  options: { activeClients?: boolean } = {},
): Promise<KpiOverview> {
  const withActive = options.activeClients ?? true;
  const range = rangeOf(filters);
  const before = previousRangeOf(filters);
  const byActivity = withActive && activityCovers(filters, wh.engine, [range, before], "none");
  const source = kpiSource(filters);
  const select = (p: SqlParams, from: KpiSource) => ({
    source: from,
    alias: "x",
    where: filterConditions(p, filters, kpiColumns(from, "x"), {
      fromKey: before.fromKey,
      toKey: range.toKey,
    }),
    groups: [{ expr: `x.date_key >= ${p.int(range.fromKey)}`, name: "is_current" }],
  });
  const p = new SqlParams();
  const from = kpiFromRanges(p, source, "x", [before, range]);
  const rows = await kpiRows(wh, { ...select(p, source), from }, p.values);
  if (byActivity) {
    const [current, previous] = (await activeClientsByRange(wh, filters, [range, before])).get("") ?? [0, 0];
    for (const row of rows) row.active_clients = row.is_current ? current : previous;
  } else if (withActive) {
    const versions = await clientVersions(wh);
    if (versions) {
      const [current, previous] = await activeByPeriod(wh, versions, filters, range, before);
      for (const row of rows) row.active_clients = row.is_current ? current : previous;
    } else {
      const q = new SqlParams();
      const counts = await activeClientCounts(wh, select(q, clientLevelSource(filters)), q.values);
      for (const row of rows) row.active_clients = counts.get(groupKey(["is_current"], row)) ?? 0;
    }
  }
  // A period without rows has no group: its KPIs are zeros.
  const none = withActive ? { active_clients: 0 } : {};
  const period = (current: boolean) => rows.find((r) => r.is_current === current) ?? none;
  return {
    source,
    period: { from: filters.from, to: filters.to },
    previousPeriod: previousPeriod(filters.from, filters.to),
    current: kpisFrom(period(true)),
    previous: kpisFrom(period(false)),
  };
}

/**
 * DuckDB: active clients of the period and of the one before, each from the activity rows when they can answer it
 * alone, the others from bitmaps of the client versions of their transactions or client-days, in one pass. Full
 * scale, `channel=USSD` from July to December: the previous period starts on 29 December, which the activity rows'
 * channel months cannot answer, and reading the facts of both periods took 200-215 ms.
 */
async function activeByPeriod(
  wh: Warehouse,
  versions: ClientVersions,
  filters: Filters,
  range: DateRange,
  before: DateRange,
): Promise<[number, number]> {
  const periods = [range, before];
  const counts = [0, 0];
  const covered = [0, 1].filter((i) => activityCovers(filters, wh.engine, [periods[i] as DateRange], "none"));
  const read = [0, 1].filter((i) => !covered.includes(i));
  if (covered.length > 0) {
    const found = (
      await activeClientsByRange(
        wh,
        filters,
        covered.map((i) => periods[i] as DateRange),
      )
    ).get("");
    covered.forEach((i, k) => {
      counts[i] = found?.[k] ?? 0;
    });
  }
  if (read.length > 0) {
    const q = new SqlParams();
    const source = clientLevelSource(filters);
    const spans = read.map((i) => periods[i] as DateRange);
    const where = filterConditions(q, filters, kpiColumns(source, "x"), {
      fromKey: Math.min(...spans.map((r) => r.fromKey)),
      toKey: Math.max(...spans.map((r) => r.toKey)),
    });
    const sets = spans.map((r) => `x.date_key BETWEEN ${q.int(r.fromKey)} AND ${q.int(r.toKey)}`);
    const facts = { from: `${clientTable(source)} AS x`, clientKey: "x.client_key", where };
    const found = await distinctClientsIn(wh, versions, facts, sets, q.values);
    read.forEach((i, k) => {
      counts[i] = found[k] ?? 0;
    });
  }
  return [counts[0] ?? 0, counts[1] ?? 0];
}

export interface TimePoint extends Kpis {
  readonly period: string;
  /** First day of the period that holds data. */
  readonly firstDay: string;
}

export interface TimeSeries {
  readonly source: KpiSource;
  readonly grain: Grain;
  readonly points: readonly TimePoint[];
}

export async function kpiTimeSeries(
  wh: Warehouse,
  filters: Filters,
  grain: Grain,
  options: { activeClients?: boolean } = {},
): Promise<TimeSeries> {
  // Distinct clients per period need a row per client: the summary or the transactions.
  const source = options.activeClients ? clientLevelSource(filters) : kpiSource(filters);
  const p = new SqlParams();
  const where = filterConditions(p, filters, kpiColumns(source, "x"), rangeOf(filters));
  const rows = await kpiRows(
    wh,
    {
      source,
      alias: "x",
      // Monthly rows keep a day of their month: they can stand for their days in monthly periods only.
      from: grain === "month" ? kpiFromRanges(p, source, "x", [rangeOf(filters)]) : undefined,
      joins: "JOIN dwh.dim_date AS d ON d.date_key = x.date_key",
      where,
      groups: [{ expr: periodLabel(grain, "d"), name: "period" }],
      firstKey: true,
      activeClients: options.activeClients ?? false,
      orderBy: "first_key",
    },
    p.values,
  );
  return {
    source,
    grain,
    points: rows.map((row) => ({
      period: formatPeriod(grain, row.period),
      firstDay: keyToDate(Number(row.first_key)),
      ...kpisFrom(row),
    })),
  };
}

export const BREAKDOWNS = ["service", "channel", "country", "region", "clientType"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface BreakdownItem extends Kpis {
  readonly key: string;
  readonly label: string;
  /** Regions only: where to draw their bubble. */
  readonly latitude?: number;
  readonly longitude?: number;
}

export interface BreakdownResult {
  readonly source: KpiSource;
  readonly by: Breakdown;
  readonly items: readonly BreakdownItem[];
}

/** The dimension a breakdown groups on: its join, key and label (aliases sv, ch, g, c). */
export const BREAKDOWN_GROUPS: Record<
  Breakdown,
  { join: string; key: string; label: string; needsTransactions: boolean }
> = {
  service: {
    join: "JOIN dwh.dim_service AS sv ON sv.service_key = x.service_key",
    key: "sv.service_code",
    label: "sv.service_name_en",
    needsTransactions: true,
  },
  channel: {
    join: "JOIN dwh.dim_channel AS ch ON ch.channel_key = x.channel_key",
    key: "ch.channel_code",
    label: "ch.channel_name_en",
    needsTransactions: true,
  },
  country: {
    join: "JOIN dwh.dim_geography AS g ON g.geography_key = x.geography_key",
    key: "g.country_code",
    label: "g.country_name",
    needsTransactions: false,
  },
  region: {
    join: "JOIN dwh.dim_geography AS g ON g.geography_key = x.geography_key",
    key: "g.country_code || ':' || g.region_name",
    label: "g.region_name || ' (' || g.country_code || ')'",
    needsTransactions: false,
  },
  clientType: {
    join: "JOIN dwh.dim_client AS c ON c.client_key = x.client_key",
    key: "c.client_type",
    label: "c.client_type",
    needsTransactions: false,
  },
};

/** The same groups on the daily KPI aggregate, which holds country, region and client type itself. */
const KPI_AGGREGATE_GROUPS: Record<Breakdown, { join: string; key: string; label: string }> = {
  service: BREAKDOWN_GROUPS.service,
  channel: BREAKDOWN_GROUPS.channel,
  country: {
    join: `JOIN (SELECT DISTINCT country_code, country_name FROM dwh.dim_geography) AS g
             ON g.country_code = x.country_code`,
    key: "x.country_code",
    label: "g.country_name",
  },
  region: {
    join: "",
    key: "x.country_code || ':' || x.region_name",
    label: "x.region_name || ' (' || x.country_code || ')'",
  },
  clientType: { join: "", key: "x.client_type", label: "x.client_type" },
};

const ACTIVITY_GROUP_OF: Partial<Record<Breakdown, ActivityGroup>> = {
  country: "country",
  region: "region",
  clientType: "clientType",
};

/** KPIs per service, channel, country, region or client type, largest value first. */
export async function kpiBreakdown(
  wh: Warehouse,
  filters: Filters,
  by: Breakdown,
  reference: Reference,
  options: { activeClients?: boolean } = {},
): Promise<BreakdownResult> {
  const withActive = options.activeClients ?? false;
  const activityGroup = ACTIVITY_GROUP_OF[by];
  const range = rangeOf(filters);
  const byActivity =
    withActive && activityGroup !== undefined && activityCovers(filters, wh.engine, [range], "attribute");
  // A source with a row per client lacks the service and channel of the daily summary's rows.
  const atLeast = (source: KpiSource): KpiSource =>
    source === "daily_summary" && BREAKDOWN_GROUPS[by].needsTransactions ? "transactions" : source;
  const source = atLeast(kpiSource(filters));
  const group = source === "daily_kpi" ? KPI_AGGREGATE_GROUPS[by] : BREAKDOWN_GROUPS[by];
  const p = new SqlParams();
  const where = filterConditions(p, filters, kpiColumns(source, "x"), range);
  const rows = await kpiRows(
    wh,
    {
      source,
      alias: "x",
      from: kpiFromRanges(p, source, "x", [range]),
      joins: group.join,
      where,
      groups: [
        { expr: group.key, name: "item_key" },
        { expr: group.label, name: "item_label" },
      ],
    },
    p.values,
  );
  if (byActivity) {
    const counts = await activeClientsByRange(wh, filters, [range], activityGroup);
    for (const row of rows) row.active_clients = counts.get(String(row.item_key))?.[0] ?? 0;
  } else if (withActive) {
    // The same groups' keys on the facts: only the distinct clients are counted there.
    const clients = atLeast(clientLevelSource(filters));
    const q = new SqlParams();
    const where = filterConditions(q, filters, kpiColumns(clients, "x"), range);
    const versions = by === "clientType" ? await clientVersions(wh) : null;
    if (versions) {
      // DuckDB: the client type is the version's, which the bitmaps of versions carry.
      const facts = { from: `${clientTable(clients)} AS x`, clientKey: "x.client_key", where };
      const counts = await distinctClientsByType(wh, versions, facts, q.values);
      for (const row of rows) row.active_clients = counts.get(String(row.item_key)) ?? 0;
      return breakdownResult(rows, source, by, reference);
    }
    const counts = await activeClientCounts(
      wh,
      {
        source: clients,
        alias: "x",
        joins: BREAKDOWN_GROUPS[by].join,
        where,
        groups: [{ expr: BREAKDOWN_GROUPS[by].key, name: "item_key" }],
      },
      q.values,
    );
    for (const row of rows) row.active_clients = counts.get(groupKey(["item_key"], row)) ?? 0;
  }
  return breakdownResult(rows, source, by, reference);
}

/** The breakdown's items from its rows, largest value first; regions with their place. */
function breakdownResult(
  rows: Row[],
  source: KpiSource,
  by: Breakdown,
  reference: Reference,
): BreakdownResult {
  const items = rows.map((row): BreakdownItem => {
    const key = String(row.item_key);
    const item = { key, label: String(row.item_label), ...kpisFrom(row) };
    if (by !== "region") return item;
    const [country, region] = key.split(/:(.*)/s);
    const place = reference.countries.find((c) => c.code === country)?.regions.find((r) => r.name === region);
    return place ? { ...item, latitude: place.latitude, longitude: place.longitude } : item;
  });
  items.sort((a, b) => Number(b.value) - Number(a.value) || b.transactions - a.transactions);
  return { source, by, items };
}
