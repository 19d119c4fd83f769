import { FACET_LEADERS } from "../../warehouse/serving-aggregates.ts";
import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import { clientVersions, topClientsByVersions } from "../client-versions.ts";
import { addMonths } from "../dates.ts";
import { type DateRange, type Filters, needsTransactions, rangeOf } from "../filters.ts";
import {
  candidateVersionsSql,
  facetLeaderVersions,
  LEADING_ROWS,
  MONTH_TOTAL,
  type MonthLeaders,
  monthLeaders,
} from "../month-leaders.ts";
import type { Reference } from "../reference.ts";
import {
  CLIENT_MONTH_COLUMNS,
  filterConditions,
  type Kpis,
  kpiColumns,
  kpiSelect,
  kpisFrom,
  SqlParams,
} from "../sql.ts";
import { clientLevelSource } from "./kpi.ts";

export const TOP_CLIENT_ORDERS = ["value", "transactions", "fees"] as const;
export type TopClientOrder = (typeof TOP_CLIENT_ORDERS)[number];

export interface TopClient extends Omit<Kpis, "activeClients"> {
  readonly clientId: string;
  readonly clientName: string;
  readonly clientType: string;
  readonly tier: string;
  readonly country: string;
  readonly region: string;
  readonly segment: string | null;
}

/** Rows read per month in the first round: enough for the usual heavy-tailed ranking to stop at once. */
const FIRST_ROUND_ROWS = 64;
/** Beyond this many rows per month, or clients read, the ranking is cheaper as one aggregate over the period. */
const MAX_ROUND_ROWS = 20_000;
const MAX_CANDIDATES = 20_000;

/**
 * The clients with the largest totals over the period, ranked by the threshold algorithm over the monthly
 * client rows: each month's rows are read in order of the client's whole-month total (an index scan on
 * PostgreSQL), the exact totals of the clients read so far come from the daily summary, and the ranking
 * stops once the last of the `limit` best is above what any unread client can reach (the sum over the
 * months of the smallest total read in each). Under a service or channel filter, each month's leading clients of
 * it are ranked (facetRanking); otherwise, or when that cannot decide, the transactions are ranked.
 */
export async function topClients(
  wh: Warehouse,
  filters: Filters,
  order: TopClientOrder,
  limit: number,
  reference: Reference,
  /** Rows per month of the first round (tests start low to go through several rounds). */
  firstRoundRows = Math.max(FIRST_ROUND_ROWS, 4 * limit),
  /** Rows per month and order the leading rows hold on DuckDB (tests lower it to read past them). */
  leadingRows = LEADING_ROWS,
  /** Leading clients per month and channel or service the ETL kept (tests keep fewer). */
  facetLeaders = FACET_LEADERS,
): Promise<TopClient[]> {
  let ranked: Row[] | null = null;
  if (!needsTransactions(filters)) {
    // Under a client filter few leading rows match it, and reading past them took more rounds (full scale,
    // country=SN&region=Dakar&clientType=merchant: 1.6-2.3 s against 0.19-0.21 s from agg_client_monthly).
    const unfiltered = [filters.country, filters.region, filters.clientType, filters.segment].every(
      (f) => f === undefined,
    );
    const leaders = unfiltered ? await monthLeaders(wh, leadingRows) : null;
    for (let rows = firstRoundRows; ranked === null && rows <= MAX_ROUND_ROWS; rows *= 8)
      ranked = await thresholdRound(wh, filters, order, limit, rows, leaders);
  } else ranked = await facetRanking(wh, filters, order, limit, firstRoundRows, facetLeaders);
  ranked ??= await rankAll(wh, filters, order, limit);
  return describe(wh, ranked, reference);
}

/**
 * One round of the threshold algorithm with `rows` per month; null when it cannot decide yet. The month's rows come
 * from the leading rows (DuckDB) when they hold that many.
 */
async function thresholdRound(
  wh: Warehouse,
  filters: Filters,
  order: TopClientOrder,
  limit: number,
  rows: number,
  leaders: MonthLeaders | null,
): Promise<Row[] | null> {
  const range = rangeOf(filters);
  const months = monthsOf(range);
  const p = new SqlParams();
  const where = filterConditions(p, filters, CLIENT_MONTH_COLUMNS, null);
  const leading = leaders !== null && rows <= leaders.rows ? leaders : null;
  const [from, total] = leading
    ? [`${leading.table} AS m`, "total"]
    : ["dwh.agg_client_monthly AS m", MONTH_TOTAL[order]];
  if (leading) where.push(`m.ord = ${p.add(order)}`);
  const perMonth = months.map(
    (month) => `(SELECT m.month_key, m.client_id, m.${total} AS bound FROM ${from}
       WHERE m.month_key = ${p.int(month)} AND ${where.join(" AND ")}
       ORDER BY m.${total} DESC LIMIT ${p.int(rows)})`,
  );
  const read = await wh.query<{ month_key: number; client_id: string; bound: string | number }>(
    perMonth.join(" UNION ALL "),
    p.values,
  );
  // A client read in no month has, in each month, at most the smallest total read there; when fewer rows than
  // asked were read, none (the month's rows were all read) or, if the leading rows stop short of the month's,
  // their smallest total.
  let threshold = 0;
  let complete = true;
  for (const month of months) {
    const bounds = read.filter((r) => Number(r.month_key) === month).map((r) => Number(r.bound));
    const floor = leading?.floors.get(`${order} ${month}`);
    if (bounds.length < rows && floor === undefined) continue;
    complete = false;
    threshold += bounds.length < rows ? (floor as number) : bounds.reduce((a, b) => Math.min(a, b));
  }
  const candidates = [...new Set(read.map((r) => r.client_id))];
  if (candidates.length === 0) return complete ? [] : null;
  if (candidates.length > MAX_CANDIDATES) return null;
  const exact = await exactRanking(wh, filters, order, candidates, leading?.versions);
  const last = exact[limit - 1];
  if (complete || (last !== undefined && Number(last[order]) > threshold)) return exact.slice(0, limit);
  return null;
}

/** The months (YYYYMM) a range touches, in order. */
function monthsOf(range: DateRange): number[] {
  const months: number[] = [];
  for (let m = Math.floor(range.fromKey / 100); m <= Math.floor(range.toKey / 100); m = addMonths(m, 1))
    months.push(m);
  return months;
}

/** The candidates' exact KPIs over the period under the filters, best first (by the ranked measure, then id). */
async function exactRanking(
  wh: Warehouse,
  filters: Filters,
  order: TopClientOrder,
  candidates: readonly string[],
  leadingVersions?: string,
): Promise<Row[]> {
  const q = new SqlParams();
  const source = clientLevelSource(filters);
  const range = rangeOf(filters);
  // A join to the candidates rather than an IN list: both engines hash it, after the filters' joins.
  if (wh.engine !== "duckdb")
    return wh.query(
      rankingSelect(
        filters,
        order,
        filterConditions(q, filters, kpiColumns(source, "x"), range),
        null,
        `JOIN (VALUES ${candidates.map((id) => `(${q.add(id)})`).join(", ")}) AS k (client_id)
           ON k.client_id = x.client_id`,
      ),
      q.values,
    );
  // DuckDB: the client type is a property of the candidates' versions, so only the versions of that type are
  // joined, instead of a semi-join of the rows to dim_client's versions of the type (full scale, 90 days: the
  // ranking of merchants through USSD 584-670 ms against 811-874 ms; the exact step of Dakar's 187 candidate
  // merchants 81-85 ms against 98-120 ms).
  const versions = (await candidateVersions(wh, candidates, leadingVersions)).filter(
    (v) => filters.clientType === undefined || v.client_type === filters.clientType,
  );
  if (versions.length === 0) return [];
  return wh.query(
    rankingSelect(
      filters,
      order,
      filterConditions(q, { ...filters, clientType: undefined }, kpiColumns(source, "x"), range),
      null,
      `JOIN (VALUES ${versions
        .map((v) => `(${q.key(v.client_key)}, ${q.add(v.client_id)}, ${q.key(v.current_key)})`)
        .join(", ")}) AS k (client_key, client_id, current_key)
         ON k.client_key = x.client_key`,
      CANDIDATE_GROUPS,
    ),
    q.values,
  );
}

/**
 * Under one channel or one service (and no segment): the threshold algorithm over each month's leading clients
 * of that channel or service (dwh.agg_facet_leaders). A client has, in a month, at most its total there when it
 * leads, else the month's last leading total (none when the month's clients all lead); the candidates are taken by
 * that bound, best first, and their exact KPIs read from the facts until the last of the `limit` best is above
 * the bound of every client not read. Null when it cannot decide within MAX_CANDIDATES.
 */
export async function facetRanking(
  wh: Warehouse,
  filters: Filters,
  order: TopClientOrder,
  limit: number,
  firstBatch: number,
  kept: number,
): Promise<Row[] | null> {
  const oneFacet = (filters.channel === undefined) !== (filters.service === undefined);
  if (filters.segment !== undefined || !oneFacet) return null;
  const versions = await facetLeaderVersions(wh);
  const range = rangeOf(filters);
  const months = monthsOf(range);
  const p = new SqlParams();
  const leaders = await wh.query<{ month_key: number; client_id: string; total: string | number; r: number }>(
    `SELECT month_key, client_id, ${order} AS total, ${order}_rank AS r FROM dwh.agg_facet_leaders
      WHERE channel_key = ${p.int(filters.channel?.key ?? 0)} AND service_key = ${p.int(filters.service?.key ?? 0)}
        AND month_key BETWEEN ${p.int(months[0] ?? 0)} AND ${p.int(months.at(-1) ?? 0)}
        AND ${order}_rank <= ${p.int(kept)}`,
    p.values,
  );
  const floor = new Map<number, number>();
  const known = new Map<string, Map<number, number>>();
  for (const row of leaders) {
    const month = Number(row.month_key);
    if (Number(row.r) === kept) floor.set(month, Number(row.total));
    const totals = known.get(row.client_id) ?? new Map<number, number>();
    totals.set(month, Number(row.total));
    known.set(row.client_id, totals);
  }
  const unseen = months.reduce((sum, m) => sum + (floor.get(m) ?? 0), 0);
  const candidates = [...known].map(([id, totals]) => ({
    id,
    bound: months.reduce((sum, m) => sum + (totals.get(m) ?? floor.get(m) ?? 0), 0),
  }));
  candidates.sort((a, b) => b.bound - a.bound);
  let exact: Row[] = [];
  for (let done = 0, size = firstBatch; done < candidates.length || exact.length === 0; size *= 8) {
    if (done >= MAX_CANDIDATES) return null;
    const next = candidates.slice(done, done + size).map((c) => c.id);
    done += next.length;
    if (next.length > 0) exact = [...exact, ...(await exactRanking(wh, filters, order, next, versions))];
    exact.sort(
      (a, b) => Number(b[order]) - Number(a[order]) || (String(a.client_id) < String(b.client_id) ? -1 : 1),
    );
    const bound = Math.max(unseen, candidates[done]?.bound ?? 0);
    const last = exact[limit - 1];
    if (done >= candidates.length && unseen === 0) return exact.slice(0, limit);
    if (last !== undefined && Number(last[order]) > bound) return exact.slice(0, limit);
    if (next.length === 0) return null;
  }
  return null;
}

/**
 * DuckDB: the candidates' client versions, each with its client's id and current version key, to join the daily
 * summary on its integer client key. Joined on the summary's client ids, the scan decoded every row's id: over
 * 2025 at full scale 370-430 ms, against 220-240 ms with this lookup of the versions included (measured). Given
 * as values, so that the planner knows how few they are and joins them before the filters' semi-joins.
 */
async function candidateVersions(
  wh: Warehouse,
  candidates: readonly string[],
  /** The leading rows' versions when the candidates came from there; dim_client otherwise. */
  leadingVersions?: string,
): Promise<CandidateVersion[]> {
  const p = new SqlParams();
  const ids = candidates.map((id) => p.add(id)).join(", ");
  const rows = await wh.query<CandidateVersion>(
    leadingVersions === undefined
      ? candidateVersionsSql(ids)
      : `SELECT client_key, client_id, client_type, current_key FROM ${leadingVersions} WHERE client_id IN (${ids})`,
    p.values,
  );
  return rows.map((r) => ({
    client_key: Number(r.client_key),
    client_id: String(r.client_id),
    client_type: String(r.client_type),
    current_key: Number(r.current_key),
  }));
}

interface CandidateVersion {
  readonly client_key: number;
  readonly client_id: string;
  readonly client_type: string;
  readonly current_key: number;
}

const CANDIDATE_GROUPS = [
  { expr: "k.client_id", name: "client_id" },
  { expr: "k.current_key", name: "current_key" },
];

function rankingSelect(
  filters: Filters,
  order: TopClientOrder,
  where: string[],
  limit: string | null,
  joins?: string,
  groups = [{ expr: "x.client_id", name: "client_id" }],
): string {
  const source = clientLevelSource(filters);
  return kpiSelect({
    source,
    alias: "x",
    joins,
    where,
    groups,
    orderBy: `${order} DESC, client_id`,
    limit: limit ?? undefined,
  });
}

/** The ranking as one aggregate of every client over the period. */
async function rankAll(
  wh: Warehouse,
  filters: Filters,
  order: TopClientOrder,
  limit: number,
): Promise<Row[]> {
  const source = clientLevelSource(filters);
  const p = new SqlParams();
  const where = filterConditions(p, filters, kpiColumns(source, "x"), rangeOf(filters));
  const versions = await clientVersions(wh);
  if (versions) {
    // DuckDB: the ranked measure per client version first (an integer hash of one sum), then per client for the
    // candidates only, and every measure for the winners only.
    const rank = kpiSelect({
      source,
      alias: "x",
      where,
      groups: [{ expr: "x.client_key", name: "client_key" }],
      measures: [order],
    });
    const measure = (joins: string, group: string) =>
      kpiSelect({ source, alias: "x", joins, where, groups: [{ expr: group, name: "first_key" }] });
    return topClientsByVersions(wh, versions, rank, measure, order, limit, p.values);
  }
  return wh.query(rankingSelect(filters, order, where, p.int(limit)), p.values);
}

/**
 * The ranked clients with their current name, type, tier, place and latest segment. Rows that carry their
 * current version's key (`current_key`, DuckDB) are looked up by it: 6-9 ms at full scale, against 95-100 ms for
 * the current versions of 12 client ids, which DuckDB hashes against every version (measured).
 */
async function describe(wh: Warehouse, ranked: Row[], reference: Reference): Promise<TopClient[]> {
  if (ranked.length === 0) return [];
  const p = new SqlParams();
  const ids = ranked.map((r) => p.add(String(r.client_id))).join(", ");
  const byKey = ranked.every((r) => r.current_key !== null && r.current_key !== undefined);
  const versions = byKey
    ? `c.client_key IN (${ranked.map((r) => p.key(Number(r.current_key))).join(", ")})`
    : `c.is_current AND c.client_id IN (${ids})`;
  // Materialised, the lookups stay filters of their scans; joined, DuckDB hashed the keys or ids against every row.
  const rows = await wh.query(
    `WITH c AS MATERIALIZED (SELECT c.client_id, c.client_name, c.client_type, c.tier, c.geography_key
                               FROM dwh.dim_client AS c WHERE ${versions}),
          cs AS MATERIALIZED (SELECT client_id, segment_name FROM dwh.client_segments
                               WHERE as_of_date = ${p.date(reference.segments.asOfDate ?? "1970-01-01")}
                                 AND client_id IN (${ids}))
     SELECT c.client_id, c.client_name, c.client_type, c.tier, g.country_code, g.region_name, cs.segment_name
       FROM c JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
       LEFT JOIN cs ON cs.client_id = c.client_id`,
    p.values,
  );
  const byId = new Map(rows.map((r) => [String(r.client_id), r]));
  return ranked.flatMap((r) => {
    const client = byId.get(String(r.client_id));
    if (!client) return [];
    const { activeClients: _a, ...kpis } = kpisFrom(r);
    return [
      {
        clientId: String(r.client_id),
        clientName: String(client.client_name),
        clientType: String(client.client_type),
        tier: String(client.tier),
        country: String(client.country_code),
        region: String(client.region_name),
        segment: (client.segment_name as string | null) ?? null,
        ...kpis,
      },
    ];
  });
}
