import type { Warehouse } from "./warehouse.ts";

/** Where the days to rebuild are listed (one `date_key` per row, repeats allowed). */
export const TOUCHED_DAYS = "dwh_stage.touched_days";

export interface ServingRefresh {
  /** Whole rebuild: the calendar changed or the aggregates were never built. */
  readonly full: boolean;
}

const KPI_COLUMNS =
  "date_key, country_code, region_name, client_type, service_key, channel_key, tx_count, success_count, amount_success, fee_total, fraud_count, fraud_amount";

/** The KPI aggregate rows of the days matching `days` (a condition on f.date_key). */
function kpiSelect(days: string): string {
  const success = "st.status_group = 'success'";
  return `
    SELECT f.date_key, g.country_code, g.region_name, c.client_type, f.service_key, f.channel_key,
           COUNT(*),
           SUM(CASE WHEN ${success} THEN 1 ELSE 0 END),
           SUM(CASE WHEN ${success} THEN f.amount ELSE 0 END),
           SUM(CASE WHEN ${success} THEN f.fee ELSE 0 END),
           SUM(CASE WHEN f.is_fraud THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.is_fraud THEN f.amount ELSE 0 END)
      FROM dwh.fact_transactions AS f
      JOIN dwh.dim_client AS c ON c.client_key = f.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = f.geography_key
      JOIN dwh.dim_transaction_status AS st ON st.status_key = f.status_key
     WHERE ${days}
     GROUP BY f.date_key, g.country_code, g.region_name, c.client_type, f.service_key, f.channel_key`;
}

const MONTHLY_DIMENSIONS = "country_code, region_name, client_type, service_key, channel_key";

/** The monthly KPI rows of `month` (YYYYMM), from the daily ones. */
function monthlySelect(month: number): string {
  return `
    SELECT ${month}, MIN(date_key), ${MONTHLY_DIMENSIONS}, SUM(tx_count), SUM(success_count),
           SUM(amount_success), SUM(fee_total), SUM(fraud_count), SUM(fraud_amount)
      FROM dwh.agg_daily_kpi
     WHERE date_key BETWEEN ${month * 100} AND ${month * 100 + 99}
     GROUP BY ${MONTHLY_DIMENSIONS}`;
}

/**
 * The client-month rows of `month` (YYYYMM) from the daily summary: one per client and (region, client type),
 * with the client's totals over all its rows of the month.
 */
function clientMonthlySelect(month: number): string {
  const client = "OVER (PARTITION BY client_id)";
  return `
    SELECT ${month}, client_id, country_code, region_name, client_type,
           SUM(transactions) ${client}, SUM(value) ${client}, SUM(fees) ${client}
      FROM (SELECT s.client_id, g.country_code, g.region_name, c.client_type, SUM(s.tx_count) AS transactions,
                   SUM(s.amount_success) AS value, SUM(s.fee_total) AS fees
              FROM dwh.fact_daily_client_summary AS s
              JOIN dwh.dim_client AS c ON c.client_key = s.client_key
              JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
             WHERE s.date_key BETWEEN ${month * 100} AND ${month * 100 + 99}
             GROUP BY s.client_id, g.country_code, g.region_name, c.client_type) AS per_row`;
}

const CLIENT_MONTHLY_COLUMNS =
  "month_key, client_id, country_code, region_name, client_type, month_transactions, month_value, month_fees";

async function rebuildMonth(tx: Warehouse, month: number): Promise<void> {
  await tx.exec(`DELETE FROM dwh.agg_monthly_kpi WHERE month_key = ${month};
    INSERT INTO dwh.agg_monthly_kpi (month_key, ${KPI_COLUMNS}) ${monthlySelect(month)};
    DELETE FROM dwh.agg_client_monthly WHERE month_key = ${month};
    INSERT INTO dwh.agg_client_monthly (${CLIENT_MONTHLY_COLUMNS}) ${clientMonthlySelect(month)}`);
}

/** Parts the clients are rebuilt in (by a hash of their id). */
const CLIENT_CHUNKS = 16;

function chunkOf(wh: Warehouse, column: string): string {
  return wh.engine === "duckdb"
    ? `CAST(hash(${column}) % ${CLIENT_CHUNKS} AS INTEGER)`
    : `(hashtext(${column}) & ${CLIENT_CHUNKS - 1})`;
}

/** Active days per BIGINT word of dwh.agg_client_days: the sign bit is left alone. */
export const DAYS_PER_WORD = 62;
/** Word columns of dwh.agg_client_days, w01 to w32. */
export const ACTIVITY_WORDS = 32;

/** The column of word `w` (0-based) of dwh.agg_client_days. */
export function activityWord(w: number): string {
  return `w${String(w + 1).padStart(2, "0")}`;
}

const ACTIVITY_COLUMNS = [
  "client_id",
  "country_code",
  "region_name",
  "client_type",
  "registration_date",
  ...Array.from({ length: ACTIVITY_WORDS }, (_, w) => activityWord(w)),
  "has_other_rows",
].join(", ");

/**
 * The activity rows of the clients matching `clients` (a condition on s.client_id), from the daily summary:
 * word w ORs together 2^(day − 62·w) of the client's active days that fall in it.
 */
function activitySelect(clients: string, firstDate: string, days: number): string {
  if (days > ACTIVITY_WORDS * DAYS_PER_WORD)
    throw new Error(
      `dwh.dim_date spans ${days} days: dwh.agg_client_days holds ${ACTIVITY_WORDS * DAYS_PER_WORD} at most`,
    );
  const index = `CAST(d.full_date - DATE '${firstDate}' AS INTEGER)`;
  const words = Array.from({ length: ACTIVITY_WORDS }, (_, w) => {
    const lo = w * DAYS_PER_WORD;
    if (lo >= days) return "CAST(0 AS BIGINT)";
    return `COALESCE(bit_or(CASE WHEN ${index} >= ${lo} AND ${index} < ${lo + DAYS_PER_WORD}
                                 THEN CAST(1 AS BIGINT) << (${index} - ${lo}) END), 0)`;
  });
  return `
    SELECT *, COUNT(*) OVER (PARTITION BY client_id) > 1 FROM (
    SELECT s.client_id, g.country_code, g.region_name, c.client_type, MIN(c.registration_date), ${words.join(", ")}
      FROM dwh.fact_daily_client_summary AS s
      JOIN dwh.dim_date AS d ON d.date_key = s.date_key
      JOIN dwh.dim_client AS c ON c.client_key = s.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
     WHERE ${clients}
     GROUP BY s.client_id, g.country_code, g.region_name, c.client_type) AS per_group`;
}

/**
 * Brings the dashboard aggregates up to date after the facts and the daily summary changed on the days in
 * `TOUCHED_DAYS` (or, with `all`, everywhere): the KPI rows of those days and the activity of the clients
 * active on them are rebuilt. The whole of both is rebuilt when dim_date's span moved (the activity bits
 * stand for its days) or when they were never built.
 */
export async function refreshServingAggregates(
  tx: Warehouse,
  options: { all?: boolean } = {},
): Promise<ServingRefresh> {
  const [span] = await tx.query<{ first_date: string; days: number; first_key: number }>(
    `SELECT CAST(MIN(full_date) AS VARCHAR) AS first_date, MIN(date_key) AS first_key,
            CAST(MAX(full_date) - MIN(full_date) + 1 AS INTEGER) AS days FROM dwh.dim_date`,
  );
  if (!span || span.first_date === null) throw new Error("dwh.dim_date is empty: run `momo init` first");
  const days = Number(span.days);
  const [calendar] = await tx.query<{ first_date_key: number; days: number }>(
    "SELECT first_date_key, days FROM dwh.agg_activity_calendar",
  );
  const full =
    options.all === true ||
    calendar === undefined ||
    Number(calendar.first_date_key) !== Number(span.first_key) ||
    Number(calendar.days) !== days;
  const firstDate = String(span.first_date).slice(0, 10);
  if (full) {
    await tx.exec(`DELETE FROM dwh.agg_daily_kpi; DELETE FROM dwh.agg_monthly_kpi; DELETE FROM dwh.agg_client_days;
      DELETE FROM dwh.agg_client_monthly;
      DELETE FROM dwh.agg_activity_calendar;
      INSERT INTO dwh.agg_activity_calendar (first_date_key, days) VALUES (${Number(span.first_key)}, ${days})`);
  }
  const div = tx.engine === "duckdb" ? "//" : "/";
  const touchedDays = `SELECT date_key FROM ${TOUCHED_DAYS}`;
  // A month at a time, and the clients in CLIENT_CHUNKS parts, so that one part's groups are in memory.
  const months = await tx.query<{ month: number }>(
    `SELECT DISTINCT date_key ${div} 100 AS month FROM ${full ? "dwh.dim_date" : TOUCHED_DAYS} ORDER BY 1`,
  );
  for (const { month } of months) {
    const inMonth = `f.date_key BETWEEN ${Number(month) * 100} AND ${Number(month) * 100 + 99}`;
    const when = full ? inMonth : `${inMonth} AND f.date_key IN (${touchedDays})`;
    if (!full) await tx.exec(`DELETE FROM dwh.agg_daily_kpi AS f WHERE ${when}`);
    await tx.exec(`INSERT INTO dwh.agg_daily_kpi (${KPI_COLUMNS}) ${kpiSelect(when)}`);
    await rebuildMonth(tx, Number(month));
  }
  await tx.exec(`DROP TABLE IF EXISTS serving_clients;
    CREATE TEMPORARY TABLE serving_clients AS
    SELECT DISTINCT client_id, ${chunkOf(tx, "client_id")} AS chunk FROM dwh.fact_daily_client_summary
    ${full ? "" : `WHERE date_key IN (${touchedDays})`}`);
  for (let chunk = 0; chunk < CLIENT_CHUNKS; chunk++) {
    const clients = `SELECT client_id FROM serving_clients WHERE chunk = ${chunk}`;
    if (!full) await tx.exec(`DELETE FROM dwh.agg_client_days WHERE client_id IN (${clients})`);
    await tx.exec(
      `INSERT INTO dwh.agg_client_days (${ACTIVITY_COLUMNS}) ${activitySelect(`s.client_id IN (${clients})`, firstDate, days)}`,
    );
  }
  await tx.exec("DROP TABLE serving_clients");
  if (tx.engine === "postgres")
    await tx.exec(
      "ANALYZE dwh.agg_daily_kpi; ANALYZE dwh.agg_monthly_kpi; ANALYZE dwh.agg_client_days; ANALYZE dwh.agg_client_monthly",
    );
  return { full };
}

/**
 * Builds the aggregates of a warehouse loaded before they existed, or before one of them did (the monthly
 * KPI and client rows, the activity in plain word columns): all of them are rebuilt when any is empty while
 * facts are loaded; a no-op otherwise.
 */
export async function backfillServingAggregates(tx: Warehouse): Promise<boolean> {
  const rebuilt = [
    "agg_activity_calendar",
    "agg_daily_kpi",
    "agg_monthly_kpi",
    "agg_client_monthly",
    "agg_client_days",
  ];
  const [state] = await tx.query<{ loaded: boolean; complete: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM dwh.fact_transactions) AS loaded,
            ${rebuilt.map((table) => `EXISTS (SELECT 1 FROM dwh.${table})`).join(" AND ")} AS complete`,
  );
  if (!state?.loaded || state.complete) return false;
  await refreshServingAggregates(tx, { all: true });
  return true;
}
