import { traced } from "../etl/trace.ts";
import { refreshActiveSets } from "./active-sets.ts";
import { monthSlices, slicedScan } from "./sliced-scan.ts";
import type { Engine, Warehouse } from "./warehouse.ts";

/** Where the days to rebuild are listed (one `date_key` per row, repeats allowed). */
export const TOUCHED_DAYS = "dwh_stage.touched_days";

export interface ServingRefresh {
  /** Whole rebuild: the calendar changed or the aggregates were never built. */
  readonly full: boolean;
}

const KPI_COLUMNS =
  "date_key, country_code, region_name, client_type, service_key, channel_key, tx_count, success_count, amount_success, fee_total, fraud_count, fraud_amount";

/** Slices of a statement's scan (see slicedScan): enough for DuckDB's threads, few enough to stay cheap. */
const SLICES = 4;

/**
 * The KPI aggregate rows of the days matching `days` (a condition on f.date_key) of `facts` (the facts by
 * default), their client type read from `clients` (dim_client's rows, or versionsIn's).
 */
function kpiSelect(days: string, facts = "dwh.fact_transactions", clients = "dwh.dim_client"): string {
  const success = "st.status_group = 'success'";
  return `
    SELECT f.date_key, g.country_code, g.region_name, c.client_type, f.service_key, f.channel_key,
           COUNT(*),
           SUM(CASE WHEN ${success} THEN 1 ELSE 0 END),
           SUM(CASE WHEN ${success} THEN f.amount ELSE 0 END),
           SUM(CASE WHEN ${success} THEN f.fee ELSE 0 END),
           SUM(CASE WHEN f.is_fraud THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.is_fraud THEN f.amount ELSE 0 END)
      FROM ${facts} AS f
      JOIN ${clients} AS c ON c.client_key = f.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = f.geography_key
      JOIN dwh.dim_transaction_status AS st ON st.status_key = f.status_key
     WHERE ${days}
     GROUP BY f.date_key, g.country_code, g.region_name, c.client_type, f.service_key, f.channel_key`;
}

const MONTHLY_DIMENSIONS = "country_code, region_name, client_type, service_key, channel_key";

/** The monthly KPI rows of the months matching `months` (a condition on month_key), from the daily ones. */
function monthlySelect(div: string, months: string): string {
  return `
    SELECT month_key, MIN(date_key), ${MONTHLY_DIMENSIONS}, SUM(tx_count), SUM(success_count),
           SUM(amount_success), SUM(fee_total), SUM(fraud_count), SUM(fraud_amount)
      FROM (SELECT date_key ${div} 100 AS month_key, * FROM dwh.agg_daily_kpi) AS d
     WHERE ${months}
     GROUP BY month_key, ${MONTHLY_DIMENSIONS}`;
}

/**
 * The client-month rows of `months` (YYYYMM, ascending) from the daily summary: one per month, client and
 * (region, client type), with its active days of the month as bits (bit d − 1 for day d), and the client's
 * registration date and totals over all its rows of the month. Each engine has its variant.
 */
const CLIENT_MONTHLY_SELECT: Record<Engine, (div: string, months: readonly number[]) => string> = {
  duckdb: clientMonthlyByVersions,
  postgres: clientMonthlyByWindow,
};

/**
 * PostgreSQL: the rows per region and type, and the client's totals by a window over them. (The variant by
 * versions took 64-71 s against 48 s on the medium preset: its first aggregate spilled and the rows of the
 * clients with several versions were merge-joined after an external sort of the whole summary.)
 */
function clientMonthlyByWindow(div: string, months: readonly number[]): string {
  const client = "OVER (PARTITION BY month_key, client_id)";
  const days = "bit_or(CAST(1 AS BIGINT) << (s.date_key % 100 - 1))";
  return `
    SELECT month_key, client_id, country_code, region_name, client_type, MIN(registration_date) ${client},
           active_days, SUM(transactions) ${client}, SUM(value) ${client}, SUM(fees) ${client},
           COUNT(*) ${client} > 1, ${channelDayColumns()}
      FROM (SELECT s.date_key ${div} 100 AS month_key, s.client_id, g.country_code, g.region_name, c.client_type,
                   MIN(c.registration_date) AS registration_date, ${days} AS active_days, ${channelDays(days)},
                   SUM(s.tx_count) AS transactions, SUM(s.amount_success) AS value, SUM(s.fee_total) AS fees
              FROM dwh.fact_daily_client_summary AS s
              JOIN dwh.dim_client AS c ON c.client_key = s.client_key
              JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
             WHERE ${inMonths("s.date_key", div, months)}
             GROUP BY s.date_key ${div} 100, s.client_id, g.country_code, g.region_name, c.client_type) AS per_row`;
}

/**
 * DuckDB: a client-month of one client version and one place (99.9 % at full scale) is summed by month and
 * client alone and given its attributes afterwards; only the others are summed again per region and type.
 * The window over every row took 5.7-5.9 s against 3.2-3.4 s for three full-scale months (4.7M summary rows).
 */
function clientMonthlyByVersions(div: string, months: readonly number[]): string {
  const where = inMonths("s.date_key", div, months);
  const summary = slicedScan(
    "duckdb",
    "dwh.fact_daily_client_summary",
    "date_key",
    monthSlices(months, SLICES, "date_key"),
  );
  const month = `s.date_key ${div} 100`;
  const days = "bit_or(CAST(1 AS BIGINT) << (s.date_key % 100 - 1))";
  const client = "OVER (PARTITION BY r.month_key, r.client_id)";
  // A summary row's version is valid at the end of its day, within the months. The lookup of the few rows of
  // clients with several versions is written with them on the right, the side built.
  const versions = versionsIn(months, "client_key, client_type, registration_date");
  const counts = Object.keys(CHANNEL_ACTIVITY)
    .map((code) => `s.${code.toLowerCase()}_count`)
    .join(", ");
  return `
    WITH months AS MATERIALIZED (
      SELECT ${month} AS month_key, s.client_id, MIN(s.client_key) AS client_key,
             MIN(s.geography_key) AS geography_key, ${days} AS active_days, ${channelDays(days)},
             SUM(s.tx_count) AS transactions,
             SUM(s.amount_success) AS value, SUM(s.fee_total) AS fees,
             MIN(s.client_key) < MAX(s.client_key) OR MIN(s.geography_key) < MAX(s.geography_key) AS versions
        FROM ${summary} AS s
       WHERE ${where}
       GROUP BY ${month}, s.client_id)
    SELECT m.month_key, m.client_id, g.country_code, g.region_name, c.client_type, c.registration_date,
           m.active_days, m.transactions, m.value, m.fees, FALSE, ${channelDayColumns("m")}
      FROM months AS m
      JOIN ${versions} AS c ON c.client_key = m.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = m.geography_key
     WHERE NOT m.versions
    UNION ALL
    SELECT r.month_key, r.client_id, r.country_code, r.region_name, r.client_type, MIN(r.registration_date) ${client},
           r.active_days, m.transactions, m.value, m.fees, COUNT(*) ${client} > 1, ${channelDayColumns("r")}
      FROM months AS m
      JOIN (SELECT ${month} AS month_key, s.client_id, g.country_code, g.region_name, c.client_type,
                   MIN(c.registration_date) AS registration_date, ${days} AS active_days, ${channelDays(days)}
              FROM ${versions} AS c
              JOIN (SELECT s.date_key, s.client_id, s.client_key, s.geography_key, ${counts}
                      FROM ${summary} AS s
                      JOIN (SELECT month_key, client_id FROM months WHERE versions) AS v
                        ON v.client_id = s.client_id AND v.month_key = ${month}
                     WHERE ${where}) AS s ON s.client_key = c.client_key
              JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
             GROUP BY ${month}, s.client_id, g.country_code, g.region_name, c.client_type) AS r
        ON r.month_key = m.month_key AND r.client_id = m.client_id
     WHERE m.versions`;
}

/**
 * dim_client's versions valid at some instant of `months` (YYYYMM, ascending), with `columns`: all the versions
 * a fact or a summary row of those months can point at. A version lookup's hash table then holds 2.2M to 3.1M
 * rows a month instead of the 4.3M versions at full scale.
 */
function versionsIn(months: readonly number[], columns: string): string {
  return `(SELECT ${columns} FROM dwh.dim_client
     WHERE valid_from < ${monthStart(nextMonth(months.at(-1) ?? 0))} AND valid_to > ${monthStart(months[0] ?? 0)})`;
}

/** The first instant of month `month` (YYYYMM) as a SQL timestamp. */
function monthStart(month: number): string {
  return `TIMESTAMP '${Math.floor(month / 100)}-${String(month % 100).padStart(2, "0")}-01 00:00:00'`;
}

/** The month after `month` (YYYYMM). */
function nextMonth(month: number): number {
  return month % 100 === 12 ? month + 89 : month + 1;
}

/** The condition "`dateKey` falls in one of `months`" (YYYYMM, ascending), with bounds the engines prune on. */
function inMonths(dateKey: string, div: string, months: readonly number[]): string {
  const bounds = `${dateKey} BETWEEN ${(months[0] ?? 0) * 100} AND ${(months.at(-1) ?? 0) * 100 + 99}`;
  return `${bounds} AND ${dateKey} ${div} 100 IN (${months.join(", ")})`;
}

/** How much one statement of the refresh takes on: its groups stay in memory at full scale. */
export interface StatementSize {
  /** Daily summary rows (client months, and the facts of their days), unless a single month holds more. */
  readonly summaryRows: number;
  /** Clients whose activity words are folded. */
  readonly clients: number;
}

/**
 * A medium warehouse (3.6M summary rows, 290k active clients) takes one or two statements of each. Each part of
 * the clients reads every client month again: at full scale (2.8M clients) 6 parts took 29.1 s where 12 took
 * 33.2-34.6 s, with the same 1.3 GB peak RSS (DuckDB, 1 GB limit); 3 parts spilled (9.8 s a part).
 */
const STATEMENT_SIZE: StatementSize = { summaryRows: 4_000_000, clients: 500_000 };

/**
 * `months` (YYYYMM) in runs of consecutive months of at most `rows` summary rows.
 */
async function monthBatches(tx: Warehouse, div: string, months: string, rows: number): Promise<number[][]> {
  const counts = await tx.query<{ month: number; n: number }>(
    `SELECT date_key ${div} 100 AS month, COUNT(*) AS n FROM dwh.fact_daily_client_summary
      WHERE date_key ${div} 100 IN (${months}) GROUP BY date_key ${div} 100 ORDER BY 1`,
  );
  const batches: number[][] = [];
  let batch: number[] = [];
  let size = 0;
  for (const row of counts) {
    if (batch.length > 0 && size + Number(row.n) > rows) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(Number(row.month));
    size += Number(row.n);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The channels of dwh.dim_channel with a count in the daily summary: their active days in dwh.agg_client_monthly
 * and active months in dwh.agg_client_days.
 */
export const CHANNEL_ACTIVITY = {
  USSD: { days: "ussd_days", months: "ussd_months" },
  APP: { days: "app_days", months: "app_months" },
  WEB: { days: "web_days", months: "web_months" },
  API: { days: "api_days", months: "api_months" },
  AGENT_POS: { days: "agent_pos_days", months: "agent_pos_months" },
} as const;
export type ChannelActivity = (typeof CHANNEL_ACTIVITY)[keyof typeof CHANNEL_ACTIVITY];

const CLIENT_MONTHLY_COLUMNS = `month_key, client_id, country_code, region_name, client_type, registration_date, active_days, month_transactions, month_value, month_fees, has_other_rows, ${channelDayColumns()}`;

/** The channel-day columns of dwh.agg_client_monthly, of `alias` when given, comma-separated. */
function channelDayColumns(alias?: string): string {
  return Object.values(CHANNEL_ACTIVITY)
    .map(({ days }) => (alias ? `${alias}.${days}` : days))
    .join(", ");
}

/** The active days of each channel (the summary rows alias s) folded as `days` folds them all, comma-separated. */
function channelDays(days: string): string {
  return Object.entries(CHANNEL_ACTIVITY)
    .map(
      ([code, column]) =>
        `COALESCE(${days} FILTER (WHERE s.${code.toLowerCase()}_count > 0), 0) AS ${column.days}`,
    )
    .join(", ");
}

/** The client attributes the cohorts are counted per, every combination the filter bar can ask for. */
const COHORT_GROUPING_SETS = [
  "",
  "country_code",
  "country_code, region_name",
  "client_type",
  "country_code, client_type",
  "country_code, region_name, client_type",
]
  .map((set) => `(month_key, registration_month${set ? `, ${set}` : ""})`)
  .join(", ");

/**
 * Distinct clients per month of `months` (a condition on month_key) and registration month, per grouping set;
 * registration months before `firstMonth` (the calendar's first, YYYYMM) are all 0. A client with one row in
 * the month is counted by COUNT(*); only the others need COUNT(DISTINCT), which costs ten times more.
 */
function cohortSelect(months: string, firstMonth: number, clientMonths: string): string {
  const registration = (part: string) => `CAST(EXTRACT(${part} FROM registration_date) AS INTEGER)`;
  const before = `DATE '${String(firstMonth).slice(0, 4)}-${String(firstMonth).slice(4)}-01'`;
  const columns = "month_key, registration_month, country_code, region_name, client_type";
  return `
    WITH m AS (
      SELECT month_key, client_id, country_code, region_name, client_type, has_other_rows,
             CASE WHEN registration_date < ${before} THEN 0
                  ELSE ${registration("YEAR")} * 100 + ${registration("MONTH")} END AS registration_month
        FROM ${clientMonths} AS m WHERE ${months})
    SELECT ${columns}, SUM(clients) FROM (
      SELECT ${columns}, COUNT(*) AS clients FROM m WHERE NOT has_other_rows
       GROUP BY GROUPING SETS (${COHORT_GROUPING_SETS})
      UNION ALL
      SELECT ${columns}, COUNT(DISTINCT client_id) FROM m WHERE has_other_rows
       GROUP BY GROUPING SETS (${COHORT_GROUPING_SETS})) AS counted
     GROUP BY ${columns}`;
}

const COHORT_COLUMNS = "month_key, registration_month, country_code, region_name, client_type, clients";

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
  "months",
  ...Object.values(CHANNEL_ACTIVITY).map((c) => c.months),
  "has_other_rows",
].join(", ");

/** Calendar months dwh.agg_client_days.months holds, one bit each from the calendar's first month. */
export const ACTIVITY_MONTHS = 63;

/** The bit of month `monthKey` (YYYYMM) in dwh.agg_client_days.months, for a calendar starting on `firstDateKey`. */
export function activityMonthBit(monthKey: number, firstDateKey: number): number {
  const first = Math.floor(firstDateKey / 100);
  return (Math.floor(monthKey / 100) - Math.floor(first / 100)) * 12 + (monthKey % 100) - (first % 100);
}

/** Each month of dwh.dim_date with the calendar index of its first day (negative when before the calendar). */
function monthStarts(div: string, firstDate: string): string {
  return `SELECT date_key ${div} 100 AS month_key,
                 CAST(MIN(full_date) - DATE '${firstDate}' AS INTEGER) - (MIN(date_key) % 100 - 1) AS start_index
            FROM dwh.dim_date GROUP BY date_key ${div} 100`;
}

/**
 * The activity rows of the clients matching `clients` (a condition on m.client_id), folded from their client
 * months: word w ORs together each month's day bits shifted to the month's place in it (a month overlaps one
 * or two words; its bits past the word's 62 are masked off before shifting, which DuckDB would refuse).
 */
function activitySelect(
  clients: string,
  div: string,
  firstDate: string,
  days: number,
  clientMonths = "dwh.agg_client_monthly",
): string {
  const [year, month] = [Number(firstDate.slice(0, 4)), Number(firstDate.slice(5, 7))];
  const monthBit = `(m.month_key ${div} 100 - ${year}) * 12 + m.month_key % 100 - ${month}`;
  const bit = `CAST(1 AS BIGINT) << CAST(${monthBit} AS INTEGER)`;
  const inCalendar = `${monthBit} BETWEEN 0 AND ${ACTIVITY_MONTHS - 1}`;
  const monthsWhen = (active: string) =>
    `COALESCE(bit_or(CASE WHEN ${active} AND ${inCalendar} THEN ${bit} END), 0)`;
  const months = [
    monthsWhen("TRUE"),
    ...Object.values(CHANNEL_ACTIVITY).map((c) => monthsWhen(`m.${c.days} <> 0`)),
  ].join(", ");
  if (days > ACTIVITY_WORDS * DAYS_PER_WORD)
    throw new Error(
      `dwh.dim_date spans ${days} days: dwh.agg_client_days holds ${ACTIVITY_WORDS * DAYS_PER_WORD} at most`,
    );
  const start = "o.start_index";
  const words = Array.from({ length: ACTIVITY_WORDS }, (_, w) => {
    const lo = w * DAYS_PER_WORD;
    if (lo >= days) return "CAST(0 AS BIGINT)";
    const hi = lo + DAYS_PER_WORD;
    return `COALESCE(bit_or(CASE WHEN ${start} >= ${lo} AND ${start} < ${hi}
                                 THEN (m.active_days & ((CAST(1 AS BIGINT) << (${hi} - ${start})) - 1)) << (${start} - ${lo})
                                 WHEN ${start} < ${lo} AND ${start} > ${lo - 31}
                                 THEN m.active_days >> (${lo} - ${start}) END), 0)`;
  });
  return `
    SELECT *, COUNT(*) OVER (PARTITION BY client_id) > 1 FROM (
    SELECT m.client_id, m.country_code, m.region_name, m.client_type, MIN(m.registration_date), ${words.join(", ")},
           ${months}
      FROM ${clientMonths} AS m
      JOIN (${monthStarts(div, firstDate)}) AS o ON o.month_key = m.month_key
     WHERE ${clients}
     GROUP BY m.client_id, m.country_code, m.region_name, m.client_type) AS per_group`;
}

/**
 * Brings the dashboard aggregates up to date after the facts and the daily summary changed on the days in
 * `TOUCHED_DAYS` (or, with `all`, everywhere): the KPI rows of those days and the activity of the clients
 * active on them are rebuilt. The whole of both is rebuilt when dim_date's span moved (the activity bits
 * stand for its days) or when they were never built.
 */
export async function refreshServingAggregates(
  tx: Warehouse,
  options: { all?: boolean; statementSize?: StatementSize; facetLeaders?: number } = {},
): Promise<ServingRefresh> {
  return traced("serving aggregates", () => refresh(tx, options));
}

async function refresh(
  tx: Warehouse,
  options: { all?: boolean; statementSize?: StatementSize; facetLeaders?: number },
): Promise<ServingRefresh> {
  const size = options.statementSize ?? STATEMENT_SIZE;
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
  const firstMonth = Math.floor(Number(span.first_key) / 100);
  if (full) {
    await tx.exec(`DELETE FROM dwh.agg_daily_kpi; DELETE FROM dwh.agg_monthly_kpi; DELETE FROM dwh.agg_client_days;
      DELETE FROM dwh.agg_client_monthly; DELETE FROM dwh.agg_cohort_monthly;
      DELETE FROM dwh.agg_activity_calendar;
      INSERT INTO dwh.agg_activity_calendar (first_date_key, days) VALUES (${Number(span.first_key)}, ${days})`);
  }
  const div = tx.engine === "duckdb" ? "//" : "/";
  const touchedDays = `SELECT date_key FROM ${TOUCHED_DAYS}`;
  const months = full
    ? `SELECT DISTINCT date_key ${div} 100 FROM dwh.dim_date`
    : `SELECT DISTINCT date_key ${div} 100 FROM ${TOUCHED_DAYS}`;
  const touchedMonths = full ? "TRUE" : `month_key IN (${months})`;
  const batches = await monthBatches(tx, div, months, size.summaryRows);
  await traced("serving aggregates: daily KPIs", async () => {
    if (!full) {
      const days = `f.date_key IN (${touchedDays})`;
      await tx.exec(`DELETE FROM dwh.agg_daily_kpi AS f WHERE ${days};
        INSERT INTO dwh.agg_daily_kpi (${KPI_COLUMNS}) ${kpiSelect(days)}`);
      return;
    }
    for (const batch of batches) {
      const facts = slicedScan(
        tx.engine,
        "dwh.fact_transactions",
        "date_key",
        monthSlices(batch, SLICES, "date_key"),
      );
      // PostgreSQL keeps the whole dim_client: its plans with the filter were not measured (its ETL takes 40 min).
      const clients =
        tx.engine === "duckdb" ? versionsIn(batch, "client_key, client_type") : "dwh.dim_client";
      await tx.exec(
        `INSERT INTO dwh.agg_daily_kpi (${KPI_COLUMNS}) ${kpiSelect(inMonths("f.date_key", div, batch), facts, clients)}`,
      );
    }
  });
  await traced("serving aggregates: monthly KPIs", async () => {
    await tx.exec(`DELETE FROM dwh.agg_monthly_kpi WHERE ${touchedMonths};
      INSERT INTO dwh.agg_monthly_kpi (month_key, ${KPI_COLUMNS}) ${monthlySelect(div, touchedMonths)}`);
  });
  await traced("serving aggregates: client months", async () => {
    await tx.exec(`DELETE FROM dwh.agg_client_monthly WHERE ${touchedMonths}`);
    for (const batch of batches)
      await tx.exec(
        `INSERT INTO dwh.agg_client_monthly (${CLIENT_MONTHLY_COLUMNS}) ${CLIENT_MONTHLY_SELECT[tx.engine](div, batch)}`,
      );
  });
  const calendarMonths = (
    await tx.query<{ month: number }>(
      `SELECT DISTINCT date_key ${div} 100 AS month FROM dwh.dim_date ORDER BY 1`,
    )
  ).map((r) => Number(r.month));
  const clientMonths = slicedScan(
    tx.engine,
    "dwh.agg_client_monthly",
    "month_key",
    monthSlices(calendarMonths, SLICES, "month_key"),
  );
  await traced("serving aggregates: cohorts", async () => {
    await tx.exec(`DELETE FROM dwh.agg_cohort_monthly WHERE ${touchedMonths};
      INSERT INTO dwh.agg_cohort_monthly (${COHORT_COLUMNS}) ${cohortSelect(touchedMonths, firstMonth, clientMonths)}`);
  });
  await traced("serving aggregates: client registrations", () => tx.exec(REGISTRATIONS_REFRESH));
  if (tx.engine === "duckdb")
    await traced("serving aggregates: client search", () => tx.exec(SEARCH_REFRESH));
  await traced("serving aggregates: facet leaders", () =>
    facetLeaders(tx, touchedMonths, batches, div, options.facetLeaders ?? FACET_LEADERS),
  );
  await traced("serving aggregates: client days", () =>
    clientDays(tx, full, touchedDays, size, div, firstDate, days, clientMonths),
  );
  await refreshActiveSets(tx, full ? { full } : { full, touchedDays });
  if (tx.engine === "postgres")
    await tx.exec(
      "ANALYZE dwh.agg_daily_kpi; ANALYZE dwh.agg_monthly_kpi; ANALYZE dwh.agg_client_days; ANALYZE dwh.agg_client_monthly; ANALYZE dwh.agg_cohort_monthly; ANALYZE dwh.agg_client_registrations; ANALYZE dwh.agg_facet_leaders",
    );
  return { full };
}

/** Leading clients kept per month, channel or service, and order in dwh.agg_facet_leaders. */
export const FACET_LEADERS = 1000;

/**
 * Rewrites dwh.agg_facet_leaders for the months matching `months` (a condition on month_key), keeping `leaders` per
 * month, channel or service, and order (tests keep fewer): PostgreSQL batch by batch, DuckDB month by month (in
 * batches of months, the full scale's peak RSS was 1.86 GiB, against #4's 2 GB for the whole ETL).
 */
async function facetLeaders(
  tx: Warehouse,
  months: string,
  batches: readonly number[][],
  div: string,
  leaders: number,
) {
  await tx.exec(`DELETE FROM dwh.agg_facet_leaders WHERE ${months}`);
  for (const batch of tx.engine === "duckdb" ? batches.flat().map((m) => [m]) : batches)
    await tx.exec(`INSERT INTO dwh.agg_facet_leaders (${FACET_LEADER_COLUMNS})
      ${(tx.engine === "duckdb" ? leadersAboveFloors : facetLeadersSelect)(inMonths("f.date_key", div, batch), div, leaders)}`);
}

const FACET_LEADER_COLUMNS =
  "month_key, channel_key, service_key, client_id, transactions, value, fees, value_rank, transactions_rank, fees_rank";

const LEADER_RANK = (measure: string) =>
  `CAST(ROW_NUMBER() OVER (PARTITION BY month_key, channel_key, service_key ORDER BY ${measure} DESC, client_id) AS INTEGER)`;

/** Each client's month totals through each channel and in each service of the facts matching `where`, ranked. */
function facetLeadersSelect(where: string, div: string, leaders: number): string {
  return `WITH ${facetTotals(where, div)}, ${rankedLeaders("facets", leaders)}`;
}

/**
 * DuckDB: facetLeadersSelect's rows, ranked among the clients at or above the `leaders`-th total of some order
 * only (max(x, n)): every client up to that rank is among them, with its exact rank; one left out ranks past it
 * anyway. Full scale: 0.8-2.5 s a month, 34.8 s in all, against 3.4-3.9 s a month for three sorts of every client.
 */
function leadersAboveFloors(where: string, div: string, leaders: number): string {
  const floor = (measure: string) => `max(${measure}, ${leaders})[-1]`;
  return `
    WITH ${facetTotals(where, div, "MATERIALIZED")},
    floors AS (
      SELECT month_key, channel_key, service_key, ${floor("value")} AS value, ${floor("transactions")} AS transactions,
             ${floor("fees")} AS fees
        FROM facets GROUP BY month_key, channel_key, service_key),
    kept AS (
      SELECT x.* FROM facets AS x JOIN floors AS l USING (month_key, channel_key, service_key)
       WHERE x.value >= l.value OR x.transactions >= l.transactions OR x.fees >= l.fees),
    ${rankedLeaders("kept", leaders)}
     ORDER BY channel_key, service_key, month_key`;
}

/** The CTE `ranked` of the client totals in `totals` (a CTE), then its rows among the first `leaders` of some order. */
function rankedLeaders(totals: string, leaders: number): string {
  const rank = LEADER_RANK;
  return `ranked AS (
      SELECT month_key, channel_key, service_key, client_id, transactions, value, fees,
             ${rank("value")} AS value_rank, ${rank("transactions")} AS transactions_rank, ${rank("fees")} AS fees_rank
        FROM ${totals})
    SELECT ${FACET_LEADER_COLUMNS} FROM ranked
     WHERE value_rank <= ${leaders} OR transactions_rank <= ${leaders} OR fees_rank <= ${leaders}`;
}

/** The CTE `facets`: each client's month totals through each channel and in each service of the facts matching `where`. */
function facetTotals(where: string, div: string, materialized = ""): string {
  const success = "st.status_group = 'success'";
  const sums = "CAST(SUM(transactions) AS BIGINT), SUM(value), SUM(fees)";
  return `per_client AS (
      SELECT f.date_key ${div} 100 AS month_key, f.client_id, f.channel_key, f.service_key, COUNT(*) AS transactions,
             SUM(CASE WHEN ${success} THEN f.amount ELSE 0 END) AS value,
             SUM(CASE WHEN ${success} THEN f.fee ELSE 0 END) AS fees
        FROM dwh.fact_transactions AS f JOIN dwh.dim_transaction_status AS st ON st.status_key = f.status_key
       WHERE ${where}
       GROUP BY f.date_key ${div} 100, f.client_id, f.channel_key, f.service_key),
    facets (month_key, client_id, channel_key, service_key, transactions, value, fees) AS ${materialized} (
      SELECT month_key, client_id, channel_key, CAST(0 AS SMALLINT) AS service_key, ${sums}
        FROM per_client GROUP BY month_key, client_id, channel_key
      UNION ALL
      SELECT month_key, client_id, CAST(0 AS SMALLINT), service_key, ${sums}
        FROM per_client GROUP BY month_key, client_id, service_key)`;
}

/** dwh.agg_client_registrations rebuilt whole from the current client versions (a second at full scale). */
const REGISTRATIONS_REFRESH = `DELETE FROM dwh.agg_client_registrations;
  INSERT INTO dwh.agg_client_registrations (registration_month, country_code, region_name, client_type, clients)
  SELECT CAST(EXTRACT(YEAR FROM c.registration_date) AS INTEGER) * 100 + CAST(EXTRACT(MONTH FROM c.registration_date) AS INTEGER),
         g.country_code, g.region_name, c.client_type, COUNT(*)
    FROM dwh.dim_client AS c JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
   WHERE c.is_current GROUP BY 1, 2, 3, 4`;

/** DuckDB: dwh.agg_client_search rebuilt whole from the current client versions, in client_id order. */
const SEARCH_REFRESH = `DELETE FROM dwh.agg_client_search;
  INSERT INTO dwh.agg_client_search (client_id, search_name, client_name, client_type, region_name)
  SELECT c.client_id, LOWER(c.client_name), c.client_name, c.client_type, g.region_name
    FROM dwh.dim_client AS c JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
   WHERE c.is_current ORDER BY c.client_id`;

/** Rebuilds the activity rows of the clients active on the touched days, or all of them when `full`. */
async function clientDays(
  tx: Warehouse,
  full: boolean,
  touchedDays: string,
  size: StatementSize,
  div: string,
  firstDate: string,
  days: number,
  clientMonths?: string,
): Promise<void> {
  const clients = full
    ? "SELECT DISTINCT client_id FROM dwh.agg_client_monthly"
    : `SELECT DISTINCT client_id FROM dwh.fact_daily_client_summary WHERE date_key IN (${touchedDays})`;
  const [count] = await tx.query<{ n: number }>(`SELECT COUNT(*) AS n FROM (${clients}) AS c`);
  const parts = Math.max(1, Math.ceil(Number(count?.n ?? 0) / size.clients));
  const part =
    tx.engine === "duckdb" ? `hash(client_id) % ${parts}` : `(hashtext(client_id) & 2147483647) % ${parts}`;
  await tx.exec(`DROP TABLE IF EXISTS serving_clients;
    CREATE TEMPORARY TABLE serving_clients AS SELECT client_id, CAST(${part} AS INTEGER) AS part FROM (${clients}) AS c`);
  for (let p = 0; p < parts; p++) {
    const ids = `SELECT client_id FROM serving_clients${parts > 1 ? ` WHERE part = ${p}` : ""}`;
    if (!full) await tx.exec(`DELETE FROM dwh.agg_client_days WHERE client_id IN (${ids})`);
    const which = full && parts === 1 ? "TRUE" : `m.client_id IN (${ids})`;
    await tx.exec(
      `INSERT INTO dwh.agg_client_days (${ACTIVITY_COLUMNS}) ${activitySelect(which, div, firstDate, days, clientMonths)}`,
    );
  }
  await tx.exec("DROP TABLE serving_clients");
}

/**
 * Builds the aggregates of a warehouse loaded before they existed, or before one of them did (the monthly
 * KPI and client rows, the activity in plain word columns, the client months' channel days): all of them are
 * rebuilt when any is empty, or the channel days are missing, while facts are loaded, the activity rows alone
 * when they lack their months or channel months; the registrations per month, the facet leaders, DuckDB's client
 * search and PostgreSQL's sets of active clients, each alone, when they were never built; a no-op otherwise.
 */
export async function backfillServingAggregates(tx: Warehouse): Promise<boolean> {
  const rebuilt = [
    "agg_activity_calendar",
    "agg_daily_kpi",
    "agg_monthly_kpi",
    "agg_client_monthly",
    "agg_client_days",
    "agg_cohort_monthly",
  ];
  // Client months written before their channel days have them NULL.
  const [state] = await tx.query<{ loaded: boolean; complete: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM dwh.fact_transactions) AS loaded,
            ${rebuilt.map((table) => `EXISTS (SELECT 1 FROM dwh.${table})`).join(" AND ")}
            AND NOT EXISTS (SELECT 1 FROM dwh.agg_client_monthly WHERE ussd_days IS NULL) AS complete`,
  );
  if (!state?.loaded) return false;
  if (!state.complete) {
    // As the ETL does (dialect.ts): with the default 4 MB, the distinct clients of the client months (18.9M rows at
    // full scale) took more than 10 minutes in one `momo init`.
    if (tx.engine === "postgres") await tx.exec("SET LOCAL work_mem = '64MB'");
    await refreshServingAggregates(tx, { all: true });
    return true;
  }
  const [registrations] = await tx.query<{ missing: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM dwh.agg_client_registrations) AS missing`,
  );
  if (registrations?.missing) await tx.exec(REGISTRATIONS_REFRESH);
  const search = tx.engine === "duckdb" && (await searchMissing(tx));
  if (search) await tx.exec(SEARCH_REFRESH);
  const leaders = await backfillFacetLeaders(tx);
  const activity = (await backfillActivityMonths(tx)) || registrations?.missing === true || leaders || search;
  if (await activeSetsBuilt(tx)) return activity;
  await refreshActiveSets(tx, { full: true });
  return true;
}

/** Builds dwh.agg_facet_leaders of every month when it is empty; says whether it did. */
async function backfillFacetLeaders(tx: Warehouse): Promise<boolean> {
  const [state] = await tx.query<{ missing: boolean }>(
    "SELECT NOT EXISTS (SELECT 1 FROM dwh.agg_facet_leaders) AS missing",
  );
  if (!state?.missing) return false;
  if (tx.engine === "postgres") await tx.exec("SET LOCAL work_mem = '64MB'");
  const div = tx.engine === "duckdb" ? "//" : "/";
  const months = `SELECT DISTINCT date_key ${div} 100 FROM dwh.dim_date`;
  const batches = await monthBatches(tx, div, months, STATEMENT_SIZE.summaryRows);
  await traced("serving aggregates: facet leaders", () =>
    facetLeaders(tx, "TRUE", batches, div, FACET_LEADERS),
  );
  return true;
}

/** DuckDB: whether dwh.agg_client_search lacks the current clients (never built). */
async function searchMissing(tx: Warehouse): Promise<boolean> {
  const [state] = await tx.query<{ missing: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM dwh.dim_client WHERE is_current)
            AND NOT EXISTS (SELECT 1 FROM dwh.agg_client_search) AS missing`,
  );
  return state?.missing === true;
}

/** Whether PostgreSQL's sets of active clients were built (DuckDB has none). */
async function activeSetsBuilt(tx: Warehouse): Promise<boolean> {
  if (tx.engine !== "postgres") return true;
  const [row] = await tx.query<{ built: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM dwh.agg_active_groups) AS built",
  );
  return row?.built === true;
}

/**
 * Activity rows written before they held their months or channel months (NULL) are written again from the client
 * months, which are complete: only dwh.agg_client_days is rebuilt.
 */
async function backfillActivityMonths(tx: Warehouse): Promise<boolean> {
  const [lacking] = await tx.query<{ n: number }>(
    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM dwh.agg_client_days WHERE months IS NULL OR ussd_months IS NULL LIMIT 1) AS m",
  );
  if (Number(lacking?.n ?? 0) === 0) return false;
  const [calendar] = await tx.query<{ first_date: string; days: number }>(
    `SELECT CAST(MIN(full_date) AS VARCHAR) AS first_date,
            CAST(MAX(full_date) - MIN(full_date) + 1 AS INTEGER) AS days FROM dwh.dim_date`,
  );
  if (!calendar) return false;
  const div = tx.engine === "duckdb" ? "//" : "/";
  await traced("serving aggregates: client days (their months)", async () => {
    // As the ETL does: with the default 4 MB, PostgreSQL's distinct clients of the full scale spilled for 16 minutes.
    if (tx.engine === "postgres") await tx.exec("SET LOCAL work_mem = '64MB'");
    await tx.exec("DELETE FROM dwh.agg_client_days");
    await clientDays(
      tx,
      true,
      "",
      STATEMENT_SIZE,
      div,
      String(calendar.first_date).slice(0, 10),
      Number(calendar.days),
    );
  });
  if (tx.engine === "postgres") await tx.exec("ANALYZE dwh.agg_client_days");
  return true;
}
