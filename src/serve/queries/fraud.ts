import { SCORE_BINS, scoreBin } from "../../warehouse/score-aggregates.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { clientVersions, ofClientType } from "../client-versions.ts";
import { type DateRange, type Filters, previousRangeOf, rangeOf } from "../filters.ts";
import { money } from "../money.ts";
import type { Grain } from "../params.ts";
import {
  clientAttributeColumns,
  type DailyAndMonthly,
  dailyAndMonthlyFrom,
  filterConditions,
  type KpiSource,
  kpiColumns,
  kpiFromRanges,
  kpiRows,
  kpisFrom,
  SCORE_COLUMNS,
  SqlParams,
  TRANSACTION_COLUMNS,
} from "../sql.ts";
import { BREAKDOWN_GROUPS, kpiOverview, kpiSource, kpiTimeSeries } from "./kpi.ts";
import { activeModel, type ModelInfo, parseJson } from "./models.ts";
import { formatPeriod, periodLabel } from "./periods.ts";

export interface FraudFigures {
  readonly transactions: number;
  /** Transactions labelled fraudulent in the data. */
  readonly fraud: number;
  readonly fraudAmount: string;
  readonly fraudRate: number | null;
  /** Transactions the active model scored, and those above its threshold. */
  readonly scored: number;
  readonly alerts: number;
  readonly alertRate: number | null;
}

export interface FraudOverview {
  readonly source: KpiSource;
  readonly period: { readonly from: string; readonly to: string };
  readonly previousPeriod: { readonly from: string; readonly to: string };
  readonly current: FraudFigures;
  readonly previous: FraudFigures;
  /** The active fraud model, null until `momo ml train` has run. */
  readonly model: ModelInfo | null;
}

export async function fraudOverview(wh: Warehouse, filters: Filters): Promise<FraudOverview> {
  const [kpis, model] = [
    await kpiOverview(wh, filters, { activeClients: false }),
    await activeModel(wh, "fraud_gbdt"),
  ];
  const scores = model ? await scoreCounts(wh, filters, model.version) : undefined;
  const figures = (k: typeof kpis.current, s: { scored: number; alerts: number } | undefined) => ({
    transactions: k.transactions,
    fraud: k.fraud,
    fraudAmount: k.fraudAmount,
    fraudRate: k.fraudRate,
    scored: s?.scored ?? 0,
    alerts: s?.alerts ?? 0,
    alertRate: s && s.scored > 0 ? s.alerts / s.scored : null,
  });
  return {
    source: kpis.source,
    period: kpis.period,
    previousPeriod: kpis.previousPeriod,
    current: figures(kpis.current, scores?.current),
    previous: figures(kpis.previous, scores?.previous),
    model,
  };
}

/**
 * Whether the score aggregates answer under these filters: they know the region, client type, service and
 * channel, not the segment.
 */
function scoreAggregateCovers(filters: Filters): boolean {
  return filters.segment === undefined;
}

const SCORE_AGGREGATES: DailyAndMonthly = {
  daily: "dwh.agg_daily_scores",
  monthly: "dwh.agg_monthly_scores",
  fields:
    "model_version, date_key, country_code, region_name, client_type, service_key, channel_key, score_bin, scored, alerts",
};

/**
 * The scores of a model version under the filters over `range`: the score aggregates (alias x), their whole
 * months of `months` (disjoint ranges within `range`; none: days only) from the monthly one, or the scores.
 */
function scoreSource(
  p: SqlParams,
  filters: Filters,
  version: number,
  range: DateRange,
  months: readonly DateRange[],
) {
  if (scoreAggregateCovers(filters)) {
    const from = dailyAndMonthlyFrom(p, SCORE_AGGREGATES, "x", months);
    const where = filterConditions(p, filters, SCORE_AGGREGATE_COLUMNS, range);
    // Without those filters, the rows of all services and channels; with them, the others.
    if (filters.service === undefined && filters.channel === undefined) where.push("x.service_key IS NULL");
    return {
      from,
      where: [`x.model_version = ${p.int(version)}`, ...where],
      scored: "SUM(x.scored)",
      alerts: "SUM(x.alerts)",
      bin: "x.score_bin",
    };
  }
  const where = filterConditions(p, filters, SCORE_COLUMNS("x"), range);
  return {
    from: "dwh.fact_fraud_scores AS x",
    where: [`x.model_version = ${p.int(version)}`, ...where],
    scored: "COUNT(*)",
    alerts: "SUM(CASE WHEN x.is_alert THEN 1 ELSE 0 END)",
    bin: scoreBin("x.fraud_score"),
  };
}

const SCORE_AGGREGATE_COLUMNS = clientAttributeColumns("x", {
  dateKey: "x.date_key",
  serviceKey: "x.service_key",
  channelKey: "x.channel_key",
});

async function scoreCounts(wh: Warehouse, filters: Filters, version: number) {
  const p = new SqlParams();
  const range = rangeOf(filters);
  const before = previousRangeOf(filters);
  const source = scoreSource(p, filters, version, { fromKey: before.fromKey, toKey: range.toKey }, [
    before,
    range,
  ]);
  const now = `x.date_key >= ${p.int(range.fromKey)}`;
  const rows = await wh.query(
    `SELECT ${now} AS is_current, ${source.scored} AS scored, ${source.alerts} AS alerts
       FROM ${source.from}
      WHERE ${source.where.join("\n        AND ")}
      GROUP BY ${now}`,
    p.values,
  );
  const period = (current: boolean) => {
    const row = rows.find((r) => Boolean(r.is_current) === current);
    return { scored: Number(row?.scored ?? 0), alerts: Number(row?.alerts ?? 0) };
  };
  return { current: period(true), previous: period(false) };
}

export interface FraudPoint {
  readonly period: string;
  readonly firstDay: string;
  readonly transactions: number;
  readonly fraud: number;
  readonly fraudAmount: string;
  readonly fraudRate: number | null;
  readonly alerts: number;
}

/** Labelled fraud per period, with the active model's alerts of the same periods. */
export async function fraudTimeSeries(
  wh: Warehouse,
  filters: Filters,
  grain: Grain,
  modelVersion: number | null,
): Promise<{ grain: Grain; points: FraudPoint[] }> {
  const series = await kpiTimeSeries(wh, filters, grain, { activeClients: false });
  const alerts = new Map<string, number>();
  if (modelVersion !== null) {
    const label = periodLabel(grain, "d");
    const p = new SqlParams();
    // Monthly rows keep a day of their month: they can stand for their days in monthly periods only.
    const range = rangeOf(filters);
    const source = scoreSource(p, filters, modelVersion, range, grain === "month" ? [range] : []);
    const alertsOnly = scoreAggregateCovers(filters) ? "x.alerts > 0" : "x.is_alert";
    const rows = await wh.query(
      `SELECT ${label} AS period, ${source.alerts} AS alerts
         FROM ${source.from}
         JOIN dwh.dim_date AS d ON d.date_key = x.date_key
        WHERE ${alertsOnly} AND ${source.where.join("\n          AND ")}
        GROUP BY ${label}`,
      p.values,
    );
    for (const row of rows) alerts.set(formatPeriod(grain, row.period), Number(row.alerts));
  }
  const points = series.points.map((point) => ({
    period: point.period,
    firstDay: point.firstDay,
    transactions: point.transactions,
    fraud: point.fraud,
    fraudAmount: point.fraudAmount,
    fraudRate: point.fraudRate,
    alerts: alerts.get(point.period) ?? 0,
  }));
  return { grain, points };
}

export const FRAUD_BREAKDOWNS = ["typology", "service", "channel"] as const;
export type FraudBreakdown = (typeof FRAUD_BREAKDOWNS)[number];

export interface FraudBreakdownItem {
  readonly key: string;
  readonly label: string;
  readonly fraud: number;
  readonly fraudAmount: string;
  /** Service and channel only: all transactions of the item, and the share labelled fraud. */
  readonly transactions?: number;
  readonly fraudRate?: number | null;
}

/** Labelled fraud by typology (from the fraud rows alone) or by service or channel (with their rate). */
export async function fraudBreakdown(
  wh: Warehouse,
  filters: Filters,
  by: FraudBreakdown,
): Promise<{ by: FraudBreakdown; items: FraudBreakdownItem[] }> {
  if (by === "typology") {
    const p = new SqlParams();
    // DuckDB: the client type tested on the fraud rows alone (few), not hashed against every version of the type.
    const { clientType, ...others } = filters;
    const versions = clientType !== undefined ? await clientVersions(wh) : null;
    const where = filterConditions(
      p,
      versions ? others : filters,
      TRANSACTION_COLUMNS("t"),
      rangeOf(filters),
    );
    const fraud = `SELECT t.client_key, t.fraud_type, t.amount FROM dwh.fact_transactions AS t
                    WHERE t.is_fraud AND ${where.join(" AND ")}`;
    const rows = await wh.query<{ fraud_type: string | null; fraud: number; fraud_amount: string }>(
      `SELECT t.fraud_type, COUNT(*) AS fraud, SUM(t.amount) AS fraud_amount
         FROM ${versions && clientType !== undefined ? ofClientType(versions, fraud, p.add(clientType)) : `(${fraud})`} AS t
        GROUP BY t.fraud_type
        ORDER BY fraud DESC, t.fraud_type`,
      p.values,
    );
    return {
      by,
      items: rows.map((r) => ({
        key: r.fraud_type ?? "unknown",
        label: (r.fraud_type ?? "unknown").replaceAll("_", " "),
        fraud: Number(r.fraud),
        fraudAmount: money(r.fraud_amount),
      })),
    };
  }
  // The KPI breakdown's sources and groups: the daily KPI aggregate unless a segment filter needs clients,
  // then the transaction fact (the daily summary has no service).
  const base = kpiSource(filters);
  const source = base === "daily_summary" ? "transactions" : base;
  const group = BREAKDOWN_GROUPS[by];
  const p = new SqlParams();
  const range = rangeOf(filters);
  const rows = await kpiRows(
    wh,
    {
      source,
      alias: "x",
      from: kpiFromRanges(p, source, "x", [range]),
      joins: group.join,
      where: filterConditions(p, filters, kpiColumns(source, "x"), range),
      groups: [
        { expr: group.key, name: "item_key" },
        { expr: group.label, name: "item_label" },
      ],
      orderBy: "fraud DESC, transactions DESC",
    },
    p.values,
  );
  return {
    by,
    items: rows.map((r) => {
      const { fraud, fraudAmount, transactions, fraudRate } = kpisFrom(r);
      return {
        key: String(r.item_key),
        label: String(r.item_label),
        fraud,
        fraudAmount,
        transactions,
        fraudRate,
      };
    }),
  };
}

export interface ScoreBin {
  readonly from: number;
  readonly to: number;
  readonly transactions: number;
  readonly alerts: number;
}

/** How the active model's scores of the period spread over 20 bins of width 0.05. */
export async function scoreDistribution(
  wh: Warehouse,
  filters: Filters,
  modelVersion: number,
): Promise<ScoreBin[]> {
  const p = new SqlParams();
  const range = rangeOf(filters);
  const source = scoreSource(p, filters, modelVersion, range, [range]);
  const rows = await wh.query<{ bin: number; transactions: number; alerts: number }>(
    `SELECT ${source.bin} AS bin, ${source.scored} AS transactions, ${source.alerts} AS alerts
       FROM ${source.from}
      WHERE ${source.where.join(" AND ")}
      GROUP BY ${source.bin}`,
    p.values,
  );
  const byBin = new Map(rows.map((r) => [Number(r.bin), r]));
  return Array.from({ length: SCORE_BINS }, (_, i) => ({
    from: i / SCORE_BINS,
    to: (i + 1) / SCORE_BINS,
    transactions: Number(byBin.get(i)?.transactions ?? 0),
    alerts: Number(byBin.get(i)?.alerts ?? 0),
  }));
}

export interface Reason {
  readonly feature: string;
  readonly value: unknown;
  readonly contribution: number;
}

export interface Alert {
  readonly transactionId: string;
  readonly transactionAt: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly clientType: string;
  readonly service: string;
  readonly channel: string;
  readonly amount: string;
  readonly score: number;
  /** The data's own label, to judge the alert by. */
  readonly isFraud: boolean;
  readonly fraudType: string | null;
  readonly reasons: readonly Reason[];
}

/** The latest alerts of the active model in the period, highest score first within a day. */
export async function latestAlerts(
  wh: Warehouse,
  filters: Filters,
  modelVersion: number,
  limit: number,
): Promise<Alert[]> {
  const p = new SqlParams();
  const where = filterConditions(p, filters, SCORE_COLUMNS("fs"), rangeOf(filters));
  const rows = await wh.query<Record<string, unknown>>(
    `WITH latest AS (
       SELECT fs.transaction_id, fs.transaction_key, fs.date_key, fs.client_key, fs.fraud_score, fs.top_reasons
         FROM dwh.fact_fraud_scores AS fs
        WHERE fs.is_alert AND fs.model_version = ${p.int(modelVersion)} AND ${where.join(" AND ")}
        ORDER BY fs.date_key DESC, fs.fraud_score DESC, fs.transaction_id
        LIMIT ${p.int(limit)}
     )
     SELECT l.transaction_id, t.transaction_at, t.client_id, c.client_name, c.client_type,
            sv.service_name_en AS service, ch.channel_name_en AS channel, t.amount,
            l.fraud_score, t.is_fraud, t.fraud_type, l.top_reasons
       FROM latest AS l
       JOIN dwh.fact_transactions AS t ON t.transaction_key = l.transaction_key AND t.date_key = l.date_key
       JOIN dwh.dim_client AS c ON c.client_key = l.client_key
       JOIN dwh.dim_service AS sv ON sv.service_key = t.service_key
       JOIN dwh.dim_channel AS ch ON ch.channel_key = t.channel_key
      ORDER BY t.transaction_at DESC, l.fraud_score DESC`,
    p.values,
  );
  return rows.map((r) => ({
    transactionId: String(r.transaction_id),
    transactionAt: String(r.transaction_at),
    clientId: String(r.client_id),
    clientName: String(r.client_name),
    clientType: String(r.client_type),
    service: String(r.service),
    channel: String(r.channel),
    amount: money(r.amount as string),
    score: Number(r.fraud_score),
    isFraud: Boolean(r.is_fraud),
    fraudType: (r.fraud_type as string | null) ?? null,
    reasons: parseReasons(String(r.top_reasons)),
  }));
}

export function parseReasons(text: string): Reason[] {
  const parsed = parseJson(text);
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((r): r is Record<string, unknown> => r !== null && typeof r === "object")
    .map((r) => ({
      feature: String(r.feature),
      value: r.value ?? null,
      contribution: Number(r.contribution),
    }));
}
