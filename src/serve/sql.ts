import type { Row, SqlValue, Warehouse } from "../warehouse/warehouse.ts";
import { addMonths, monthEndKey } from "./dates.ts";
import type { DateRange, Filters } from "./filters.ts";
import { money, moneyPer, ratio } from "./money.ts";

/** Collects the values of one statement and hands out their `$n` placeholders: user input never enters the SQL text. */
export class SqlParams {
  readonly values: SqlValue[] = [];

  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  int(value: number): string {
    return `CAST(${this.add(value)} AS INTEGER)`;
  }

  /** A surrogate key (BIGINT). */
  key(value: number): string {
    return `CAST(${this.add(value)} AS BIGINT)`;
  }

  date(value: string): string {
    return `CAST(${this.add(value)} AS DATE)`;
  }
}

/** Where a fact's columns are, for the conditions of the filter bar. */
export interface FactColumns {
  readonly dateKey: string;
  readonly clientKey: string;
  /** Absent on the fraud scores: geography and segment then go through the client's version. */
  readonly clientId?: string;
  readonly geographyKey?: string;
  readonly serviceKey?: string;
  readonly channelKey?: string;
  /** For the fraud scores: service and channel filters go through the transaction. */
  readonly transactionKey?: string;
  /** Aggregates that carry the client's region and type themselves rather than keys to them. */
  readonly countryCode?: string;
  readonly regionName?: string;
  readonly clientType?: string;
}

/**
 * The columns of an aggregate (alias) that carries the client's country, region and client type itself, so
 * that the client filters read them without a client key; `more` adds its date, client id and the like.
 */
export function clientAttributeColumns(alias: string, more: Partial<FactColumns> = {}): FactColumns {
  return {
    dateKey: "NULL",
    clientKey: "NULL",
    countryCode: `${alias}.country_code`,
    regionName: `${alias}.region_name`,
    clientType: `${alias}.client_type`,
    ...more,
  };
}

/** dwh.agg_client_monthly's own region and client type columns (alias m) and ids, for the client filters. */
export const CLIENT_MONTH_COLUMNS = clientAttributeColumns("m", { clientId: "m.client_id" });

export const DAILY_KPI_COLUMNS = (alias: string): FactColumns =>
  clientAttributeColumns(alias, {
    dateKey: `${alias}.date_key`,
    serviceKey: `${alias}.service_key`,
    channelKey: `${alias}.channel_key`,
  });

export const SUMMARY_COLUMNS = (alias: string): FactColumns => ({
  dateKey: `${alias}.date_key`,
  clientKey: `${alias}.client_key`,
  clientId: `${alias}.client_id`,
  geographyKey: `${alias}.geography_key`,
});

export const TRANSACTION_COLUMNS = (alias: string): FactColumns => ({
  ...SUMMARY_COLUMNS(alias),
  serviceKey: `${alias}.service_key`,
  channelKey: `${alias}.channel_key`,
});

export const SCORE_COLUMNS = (alias: string): FactColumns => ({
  dateKey: `${alias}.date_key`,
  clientKey: `${alias}.client_key`,
  transactionKey: `${alias}.transaction_key`,
});

/**
 * The conditions restricting a fact to the filters over `range` (null: all dates, for client snapshots).
 * Region is the client's: the daily summary holds the client's geography, the transaction fact the place of the
 * transaction, which is the client's.
 */
export function filterConditions(
  p: SqlParams,
  filters: Filters,
  columns: FactColumns,
  range: DateRange | null,
): string[] {
  const where = range ? [`${columns.dateKey} BETWEEN ${p.int(range.fromKey)} AND ${p.int(range.toKey)}`] : [];
  const clientConditions: string[] = [];
  if (filters.country !== undefined && columns.countryCode && columns.regionName) {
    where.push(`${columns.countryCode} = ${p.add(filters.country)}`);
    if (filters.region !== undefined) where.push(`${columns.regionName} = ${p.add(filters.region)}`);
  } else if (filters.country !== undefined) {
    const geography = [`country_code = ${p.add(filters.country)}`];
    if (filters.region !== undefined) geography.push(`region_name = ${p.add(filters.region)}`);
    const keys = `SELECT geography_key FROM dwh.dim_geography WHERE ${geography.join(" AND ")}`;
    if (columns.geographyKey) where.push(`${columns.geographyKey} IN (${keys})`);
    else clientConditions.push(`geography_key IN (${keys})`);
  }
  if (filters.clientType !== undefined && columns.clientType)
    where.push(`${columns.clientType} = ${p.add(filters.clientType)}`);
  else if (filters.clientType !== undefined)
    clientConditions.push(`client_type = ${p.add(filters.clientType)}`);
  if (filters.segment !== undefined && filters.segmentAsOf !== undefined) {
    if (columns.clientType && !columns.clientId)
      throw new Error("the segment filter needs a fact with client ids");
    const ids = `SELECT client_id FROM dwh.client_segments
                  WHERE as_of_date = ${p.date(filters.segmentAsOf)} AND segment_name = ${p.add(filters.segment)}`;
    if (columns.clientId) where.push(`${columns.clientId} IN (${ids})`);
    else clientConditions.push(`client_id IN (${ids})`);
  }
  if (clientConditions.length > 0) {
    where.push(
      `${columns.clientKey} IN (SELECT client_key FROM dwh.dim_client WHERE ${clientConditions.join(" AND ")})`,
    );
  }
  const transactionConditions: string[] = [];
  if (filters.service !== undefined) {
    transactionConditions.push(`${columns.serviceKey ?? "service_key"} = ${p.int(filters.service.key)}`);
  }
  if (filters.channel !== undefined) {
    transactionConditions.push(`${columns.channelKey ?? "channel_key"} = ${p.int(filters.channel.key)}`);
  }
  if (transactionConditions.length > 0) {
    if (columns.serviceKey) where.push(...transactionConditions);
    else if (columns.transactionKey && range) {
      where.push(
        `${columns.transactionKey} IN (SELECT transaction_key FROM dwh.fact_transactions
          WHERE date_key BETWEEN ${p.int(range.fromKey)} AND ${p.int(range.toKey)}
            AND ${transactionConditions.join(" AND ")})`,
      );
    } else throw new Error("service and channel filters need the transaction fact and a date range");
  }
  return where.length > 0 ? where : ["TRUE"];
}

/**
 * Which table a KPI query reads: the daily KPI aggregate (day × region × client type × service × channel)
 * unless a filter needs the clients themselves (segment), then the daily client summary, or the transaction
 * fact when the summary lacks the service or channel.
 */
export type KpiSource = "daily_kpi" | "daily_summary" | "transactions";

/** FROM clause of a KPI source; the transaction fact comes with its status (alias st) for success. */
export function kpiFrom(source: KpiSource, alias: string): string {
  if (source === "daily_kpi") return `dwh.agg_daily_kpi AS ${alias}`;
  return source === "daily_summary"
    ? `dwh.fact_daily_client_summary AS ${alias}`
    : `dwh.fact_transactions AS ${alias}
       JOIN dwh.dim_transaction_status AS st ON st.status_key = ${alias}.status_key`;
}

/**
 * The days of `month` (YYYYMM, one the range reaches) that `range` holds, as bits (bit d − 1 for day d), and
 * whether they are the whole month.
 */
export function daysOfMonthIn(range: DateRange, month: number): { mask: bigint; whole: boolean } {
  const end = monthEndKey(month) % 100;
  const from = month === Math.floor(range.fromKey / 100) ? range.fromKey % 100 : 1;
  const to = month === Math.floor(range.toKey / 100) ? Math.min(range.toKey % 100, end) : end;
  return { mask: (1n << BigInt(to)) - (1n << BigInt(from - 1)), whole: from === 1 && to === end };
}

/** A range as its whole months (YYYYMM, both included; null when it holds none) and the days outside them. */
export function wholeMonthsOf(range: DateRange): {
  months: { from: number; to: number } | null;
  days: DateRange[];
} {
  const fromMonth = Math.floor(range.fromKey / 100);
  const toMonth = Math.floor(range.toKey / 100);
  const first = range.fromKey % 100 === 1 ? fromMonth : addMonths(fromMonth, 1);
  const last = range.toKey === monthEndKey(toMonth) ? toMonth : addMonths(toMonth, -1);
  if (first > last) return { months: null, days: [range] };
  const days: DateRange[] = [];
  if (first !== fromMonth) days.push({ fromKey: range.fromKey, toKey: monthEndKey(fromMonth) });
  if (last !== toMonth) days.push({ fromKey: toMonth * 100 + 1, toKey: range.toKey });
  return { months: { from: first, to: last }, days };
}

/** A daily aggregate and its monthly sums (same columns plus month_key; date_key a day of the month). */
export interface DailyAndMonthly {
  readonly daily: string;
  readonly monthly: string;
  /** The columns both have, but month_key. */
  readonly fields: string;
}

export const KPI_AGGREGATES: DailyAndMonthly = {
  daily: "dwh.agg_daily_kpi",
  monthly: "dwh.agg_monthly_kpi",
  fields:
    "date_key, country_code, region_name, client_type, service_key, channel_key, tx_count, success_count, amount_success, fee_total, fraud_count, fraud_amount",
};

/**
 * FROM clause over a daily aggregate restricted to `ranges` (disjoint, so that a month never straddles two):
 * the whole months come from the monthly aggregate, about 30 times fewer rows over a year, the days outside
 * them from the daily one. The caller still restricts `date_key` to the ranges; each monthly row's `date_key`
 * is a day of its month.
 */
export function dailyAndMonthlyFrom(
  p: SqlParams,
  tables: DailyAndMonthly,
  alias: string,
  ranges: readonly DateRange[],
): string {
  const parts = ranges.map(wholeMonthsOf);
  const months = parts.flatMap((part) => (part.months ? [part.months] : []));
  if (months.length === 0) return `${tables.daily} AS ${alias}`;
  const days = parts.flatMap((part) => part.days);
  const monthly = months.map((m) => `month_key BETWEEN ${p.int(m.from)} AND ${p.int(m.to)}`);
  // A branch per run of days: under one OR, PostgreSQL scanned the index over the whole span of the runs (full
  // scale, the default overview's two periods: 1.16M daily rows read for 367k, 546 of its 728 ms).
  const daily = days.map(
    (d) =>
      `UNION ALL SELECT ${tables.fields} FROM ${tables.daily} WHERE date_key BETWEEN ${p.int(d.fromKey)} AND ${p.int(d.toKey)}`,
  );
  return `(SELECT ${tables.fields} FROM ${tables.monthly} WHERE ${monthly.join(" OR ")}
    ${daily.join("\n    ")}
  ) AS ${alias}`;
}

/** FROM clause of a KPI source restricted to `ranges`: see dailyAndMonthlyFrom, for the daily KPI aggregate. */
export function kpiFromRanges(
  p: SqlParams,
  source: KpiSource,
  alias: string,
  ranges: readonly DateRange[],
): string {
  if (source !== "daily_kpi") return kpiFrom(source, alias);
  return dailyAndMonthlyFrom(p, KPI_AGGREGATES, alias, ranges);
}

export function kpiColumns(source: KpiSource, alias: string): FactColumns {
  if (source === "daily_kpi") return DAILY_KPI_COLUMNS(alias);
  return source === "daily_summary" ? SUMMARY_COLUMNS(alias) : TRANSACTION_COLUMNS(alias);
}

/** The additive KPI aggregates, by the name each query gives them. */
const MEASURES = ["transactions", "successful", "value", "fees", "fraud", "fraud_amount"] as const;

/** The additive KPI aggregates of a source, each named after its entry in `MEASURES`. */
function kpiMeasures(
  source: KpiSource,
  alias: string,
  names: readonly (typeof MEASURES)[number][] = MEASURES,
): string {
  const success = (expr: string) => `CASE WHEN st.status_group = 'success' THEN ${expr} ELSE 0 END`;
  const fraud = (expr: string) => `CASE WHEN ${alias}.is_fraud THEN ${expr} ELSE 0 END`;
  const measures: Record<(typeof MEASURES)[number], string> =
    source !== "transactions"
      ? {
          transactions: `SUM(${alias}.tx_count)`,
          successful: `SUM(${alias}.success_count)`,
          value: `SUM(${alias}.amount_success)`,
          fees: `SUM(${alias}.fee_total)`,
          fraud: `SUM(${alias}.fraud_count)`,
          fraud_amount: `SUM(${alias}.fraud_amount)`,
        }
      : {
          transactions: "COUNT(*)",
          successful: `SUM(${success("1")})`,
          value: `SUM(${success(`${alias}.amount`)})`,
          fees: `SUM(${success(`${alias}.fee`)})`,
          fraud: `SUM(${fraud("1")})`,
          fraud_amount: `SUM(${fraud(`${alias}.amount`)})`,
        };
  return names.map((name) => `${measures[name]} AS ${name}`).join(", ");
}

export interface KpiSelect {
  readonly source: KpiSource;
  readonly alias: string;
  /** FROM clause replacing the source's own (see kpiFromRanges). */
  readonly from?: string;
  /** Joins after the source (dimensions to group on or to filter by). */
  readonly joins?: string;
  readonly where: readonly string[];
  /** What to group on, and the name each group column gets. */
  readonly groups?: readonly { readonly expr: string; readonly name: string }[];
  /** Also give each group's first day, as `first_key`. */
  readonly firstKey?: boolean;
  /** Count the distinct active clients too, as `active_clients` (the costly part of every KPI query). */
  readonly activeClients?: boolean;
  readonly orderBy?: string;
  /** A LIMIT placeholder such as `CAST($3 AS INTEGER)`. */
  readonly limit?: string;
  /** Only these measures (default: all of them). */
  readonly measures?: readonly (typeof MEASURES)[number][];
}

/** The KPI query of a source, one row per group, without active clients. */
export function kpiSelect(q: KpiSelect): string {
  const groups = q.groups ?? [];
  const a = q.alias;
  const columns = [
    ...groups.map((g) => `${g.expr} AS ${g.name}`),
    ...(q.firstKey ? [`MIN(${a}.date_key) AS first_key`] : []),
    kpiMeasures(q.source, a, q.measures),
  ];
  return [
    `SELECT ${columns.join(", ")} FROM ${q.from ?? kpiFrom(q.source, a)} ${q.joins ?? ""} WHERE ${q.where.join(" AND ")}`,
    groups.length > 0 ? `GROUP BY ${groups.map((g) => g.expr).join(", ")}` : "",
    q.orderBy ? `ORDER BY ${q.orderBy}` : "",
    q.limit ? `LIMIT ${q.limit}` : "",
  ].join(" ");
}

/** Distinct clients per group: grouped per client first, which both engines hash instead of sorting. */
function activeClientsSelect(q: KpiSelect): string {
  const groups = q.groups ?? [];
  const a = q.alias;
  // The transactions without their status, which no count of clients needs: PostgreSQL estimated the status join
  // at 1/18 of its rows and looked up dim_client by index 1.6M times for the client types of a service (full scale,
  // 8.4 s).
  const from = q.source === "transactions" ? `dwh.fact_transactions AS ${a}` : kpiFrom(q.source, a);
  const perClient = `SELECT ${[...groups.map((g) => `${g.expr} AS ${g.name}`), `${a}.client_id`].join(", ")}
      FROM ${q.from ?? from} ${q.joins ?? ""} WHERE ${q.where.join(" AND ")}
     GROUP BY ${[...groups.map((g) => g.expr), `${a}.client_id`].join(", ")}`;
  const names = groups.map((g) => g.name);
  return `SELECT ${[...names, "COUNT(*) AS active_clients"].join(", ")} FROM (${perClient}) AS per_client
          ${names.length > 0 ? `GROUP BY ${names.join(", ")}` : ""}`;
}

/**
 * Distinct clients per group of a source with a row per client (the daily summary or the transactions), keyed
 * by the JSON of the group values in the order of `q.groups`: for the KPIs of the daily KPI aggregate under
 * filters the activity bits cannot answer (a service or channel), the only part left on the facts.
 */
export async function activeClientCounts(
  wh: Warehouse,
  q: KpiSelect,
  values: readonly SqlValue[],
): Promise<Map<string, number>> {
  if (q.source === "daily_kpi") throw new Error("the daily KPI aggregate has no clients");
  const names = (q.groups ?? []).map((g) => g.name);
  const counts = await wh.query(activeClientsSelect(q), values);
  return new Map(counts.map((row) => [groupKey(names, row), Number(row.active_clients)]));
}

/** The JSON of a row's group values, named `names`. */
export function groupKey(names: readonly string[], row: Row): string {
  return JSON.stringify(names.map((name) => row[name]));
}

/**
 * Runs a KPI query. Active clients, when asked, come from a second scan: with the sums in the same
 * per-client aggregate, PostgreSQL took 2.3 s where the two scans take 0.3 + 1.0 s (medium preset).
 */
export async function kpiRows(wh: Warehouse, q: KpiSelect, values: readonly SqlValue[]): Promise<Row[]> {
  const rows = await wh.query(kpiSelect(q), values);
  if (!q.activeClients) return rows;
  if (q.limit) throw new Error("active clients are not counted for a limited KPI query");
  if (q.source === "daily_kpi")
    throw new Error("the daily KPI aggregate has no clients: see active-clients.ts");
  const names = (q.groups ?? []).map((g) => g.name);
  const byGroup = await activeClientCounts(wh, q, values);
  for (const row of rows) row.active_clients = byGroup.get(groupKey(names, row)) ?? 0;
  return rows;
}

/** The KPIs of one period, money as exact decimal strings. */
export interface Kpis {
  readonly transactions: number;
  readonly successful: number;
  /** Amount of the successful transactions. */
  readonly value: string;
  /** Fees earned on the successful transactions. */
  readonly fees: string;
  /** Distinct clients with a transaction; null when the query was asked not to count them. */
  readonly activeClients: number | null;
  readonly fraud: number;
  readonly fraudAmount: string;
  readonly successRate: number | null;
  readonly averageTicket: string | null;
  readonly fraudRate: number | null;
}

export function kpisFrom(row: Record<string, unknown> | undefined): Kpis {
  const get = (name: string) => row?.[name] as string | number | null | undefined;
  const transactions = Number(get("transactions") ?? 0);
  const successful = Number(get("successful") ?? 0);
  const fraud = Number(get("fraud") ?? 0);
  const value = money(get("value"));
  return {
    transactions,
    successful,
    value,
    fees: money(get("fees")),
    activeClients: row === undefined || "active_clients" in row ? Number(get("active_clients") ?? 0) : null,
    fraud,
    fraudAmount: money(get("fraud_amount")),
    successRate: ratio(successful, transactions),
    averageTicket: moneyPer(value, successful),
    fraudRate: ratio(fraud, transactions),
  };
}
