import type { Warehouse } from "../warehouse/warehouse.ts";
import { perDataVersion } from "./client-versions.ts";

/**
 * DuckDB: the leading rows of each month of dwh.agg_client_monthly in the order of each top-clients ranking (the
 * client's whole-month value, transactions or fees) and their clients' versions, in temporary tables of the
 * server's read-only connection, built on first use (1.8-2.0 s at full scale on a fresh connection) and again after
 * an ETL batch. The threshold algorithm's first rounds read a month's rows there instead of a top-N over the
 * month's 780k rows (the 12 months of 2025 at full scale: 10-30 against 109-133 ms, measured), and their candidates'
 * versions instead of dim_client's 4.3M. PostgreSQL reads the months by index: null there.
 */
export interface MonthLeaders {
  /** The table, with agg_client_monthly's client columns, `ord` (value, transactions, fees) and `total`. */
  readonly table: string;
  /** The versions of the clients it holds: client_key, client_id, client_type and current_key (their current version's key). */
  readonly versions: string;
  /** How many rows of each month and order it holds at most. */
  readonly rows: number;
  /**
   * Per order and month (`${ord} ${month_key}`), the smallest total held when the month has more rows than the
   * table holds: every row left out has at most that total. A month not listed is held whole.
   */
  readonly floors: ReadonlyMap<string, number>;
}

/** The table holding `rows` leading rows per month and order. */
const tableOf = (rows: number) => `serve_month_leaders_${rows}`;

/** Rows held per month and order: the first two rounds of the threshold algorithm (64, then 512 rows a month). */
export const LEADING_ROWS = 512;

/** The client's whole-month total in dwh.agg_client_monthly each top-clients order ranks by. */
export const MONTH_TOTAL = {
  value: "month_value",
  transactions: "month_transactions",
  fees: "month_fees",
} as const;

/**
 * The versions of the clients `clientIds` (SQL: an IN list or a subquery of ids) lists: client_key, client_id,
 * client_type and current_key, the key of the client's current version.
 */
export function candidateVersionsSql(clientIds: string): string {
  return `SELECT c.client_key, c.client_id, c.client_type,
                 MAX(CASE WHEN c.is_current THEN c.client_key END) OVER (PARTITION BY c.client_id) AS current_key
            FROM dwh.dim_client AS c WHERE c.client_id IN (${clientIds})`;
}

/** Per connection and data version, the leading rows built so far, by rows per month and order. */
const builtLeaders = perDataVersion(async () => new Map<number, Promise<MonthLeaders | null>>());

async function build(wh: Warehouse, rows: number): Promise<MonthLeaders | null> {
  const months = (
    await wh.query<{ month_key: number }>("SELECT DISTINCT month_key FROM dwh.agg_client_monthly ORDER BY 1")
  ).map((r) => Math.trunc(Number(r.month_key)));
  if (months.length === 0) return null;
  const n = Math.trunc(rows);
  const table = tableOf(n);
  const leading = Object.entries(MONTH_TOTAL).flatMap(([ord, total]) =>
    months.map(
      (month) => `(SELECT '${ord}' AS ord, month_key, client_id, country_code, region_name, client_type,
                          ${total} AS total
                     FROM dwh.agg_client_monthly WHERE month_key = ${month} ORDER BY ${total} DESC LIMIT ${n})`,
    ),
  );
  await wh.exec(`CREATE OR REPLACE TEMP TABLE ${table} AS
    SELECT * FROM (${leading.join(" UNION ALL ")}) AS l ORDER BY ord, month_key, total DESC`);
  // The threshold rounds look their candidates' versions up here instead of in dim_client's 4.3M (64-75 ms).
  const versions = `${table}_versions`;
  await wh.exec(`CREATE OR REPLACE TEMP TABLE ${versions} AS
    ${candidateVersionsSql(`SELECT client_id FROM ${table}`)} ORDER BY c.client_id`);
  const full = await wh.query<{ ord: string; month_key: number; floor: string | number }>(
    `SELECT ord, month_key, MIN(total) AS floor FROM ${table} GROUP BY ord, month_key HAVING COUNT(*) >= ${n}`,
  );
  return {
    table,
    versions,
    rows: n,
    floors: new Map(full.map((f) => [`${f.ord} ${Number(f.month_key)}`, Number(f.floor)])),
  };
}

/** The leading rows of this connection, built or rebuilt when needed; null on PostgreSQL or without client months. */
export async function monthLeaders(wh: Warehouse, rows = LEADING_ROWS): Promise<MonthLeaders | null> {
  if (wh.engine !== "duckdb") return null;
  const built = await builtLeaders(wh);
  const held = built.get(rows);
  if (held) return held;
  const leaders = build(wh, rows);
  built.set(rows, leaders);
  leaders.catch(() => built.delete(rows));
  return leaders;
}

const FACET_LEADER_VERSIONS = "serve_facet_leader_versions";
const facetVersionsTable = perDataVersion(async (wh) => {
  await wh.exec(`CREATE OR REPLACE TEMP TABLE ${FACET_LEADER_VERSIONS} AS
    ${candidateVersionsSql("SELECT client_id FROM dwh.agg_facet_leaders")} ORDER BY c.client_id`);
  return FACET_LEADER_VERSIONS;
});

/**
 * DuckDB: the versions of the clients of dwh.agg_facet_leaders (as candidateVersionsSql gives them) in a temporary
 * table, built on first use and again after an ETL batch (0.3-0.5 s at full scale, 544k versions), so that the
 * facet ranking looks its candidates up there: 64 ids in dim_client's 4.3M took 65-70 ms. Undefined on PostgreSQL.
 */
export async function facetLeaderVersions(wh: Warehouse): Promise<string | undefined> {
  return wh.engine === "duckdb" ? facetVersionsTable(wh) : undefined;
}
