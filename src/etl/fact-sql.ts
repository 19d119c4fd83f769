/** Shared SQL of the fact and summary loads: the same text runs on DuckDB and PostgreSQL. */

export const FACT_COLUMNS = [
  "transaction_id",
  "date_key",
  "time_key",
  "client_key",
  "client_id",
  "counterparty_client_key",
  "counterparty_client_id",
  "counterparty_ref",
  "service_key",
  "channel_key",
  "status_key",
  "geography_key",
  "transaction_at",
  "amount",
  "fee",
  "currency_code",
  "balance_after",
  "device_ref",
  "is_fraud",
  "fraud_type",
  "batch_id",
].join(", ");

/**
 * dim_client's rows of the clients that `stage` names as counterparties: few rows name
 * one (full scale, a group of 3.6M: 270k, 226k distinct clients of 3M), so the counterparty lookup's hash
 * table holds a fraction of dim_client instead of a second copy of it beside the client lookup's. With two
 * whole copies, the fact insert ran out of DuckDB's 1 GB in some full-scale runs. For DuckDB only: on
 * PostgreSQL, which looks versions up by index, the semi-join made the medium preset's publish 215 s.
 */
export function counterpartyVersions(stage: string): string {
  return `(SELECT * FROM dwh.dim_client AS d WHERE d.client_id IN (SELECT t.counterparty_client_id FROM ${stage} AS t))`;
}

/**
 * Rows of the transaction stage `stage` without a verdict, keyed: each fact points at the client versions
 * valid at its time (the counterparty's looked up in `counterparties`, dim_client or counterpartyVersions).
 */
export function stagedFactsSql(
  batchId: number,
  stage: string,
  where = "TRUE",
  counterparties = "dwh.dim_client",
): string {
  return `
SELECT s.transaction_id, s.date_key, s.time_key, c.client_key, s.client_id,
       cp.client_key AS counterparty_client_key, s.counterparty_client_id, s.counterparty_ref,
       s.service_key, s.channel_key, s.status_key, s.geography_key, s.transaction_at,
       s.amount, s.fee, s.currency_code, s.balance_after, s.device_ref, s.is_fraud, s.fraud_type,
       CAST(${batchId} AS BIGINT) AS batch_id
  FROM ${stage} AS s
  JOIN dwh.dim_client AS c
    ON c.client_id = s.client_id AND s.transaction_at >= c.valid_from AND s.transaction_at < c.valid_to
  LEFT JOIN ${counterparties} AS cp
    ON cp.client_id = s.counterparty_client_id AND s.transaction_at >= cp.valid_from AND s.transaction_at < cp.valid_to
  ${UNREFUSED}
   AND ${where}`;
}

/**
 * Keeps the staged rows `s` that no verdict refused (a row has one verdict at most). A left join instead of
 * NOT EXISTS, which DuckDB runs as a delim join that copies every staged row first (2.9 of the 9.1 CPU s of
 * the medium preset's fact insert).
 */
export const UNREFUSED = `LEFT JOIN dwh_stage.transaction_verdicts AS v ON v.row_no = s.row_no
 WHERE v.row_no IS NULL`;

/**
 * Set-based checks of the staged transactions, in priority order: the client and counterparty must be
 * registered by the transaction's time, and the id must be new both within the input and in the warehouse.
 * Only the ids that occur more than once are ranked (a window over every staged row cost more: 11.2 against
 * 9.6 CPU s on PostgreSQL at medium scale).
 */
export const verdictsSql = (stage: string, loaded = loadedSql(stage), counterparties = "dwh.dim_client") => `
INSERT INTO dwh_stage.transaction_verdicts (row_no, field, reason, message)
WITH repeated AS (
  SELECT g.transaction_id FROM ${stage} AS g GROUP BY g.transaction_id HAVING COUNT(*) > 1
),
ranked AS (
  SELECT s.row_no,
         ROW_NUMBER() OVER (PARTITION BY s.transaction_id ORDER BY s.row_no) AS occurrence,
         FIRST_VALUE(s.source_file || ' line ' || CAST(s.line_number AS VARCHAR))
           OVER (PARTITION BY s.transaction_id ORDER BY s.row_no) AS first_seen
    FROM ${stage} AS s
   WHERE s.transaction_id IN (SELECT transaction_id FROM repeated)
),
loaded AS (${loaded}),
checked AS (
  SELECT s.row_no,
         CASE
           WHEN c.client_id IS NULL THEN 'unknown_client'
           WHEN s.transaction_at < c.valid_from THEN 'before_registration'
           WHEN s.counterparty_client_id IS NOT NULL AND cp.client_id IS NULL THEN 'unknown_counterparty'
           WHEN s.counterparty_client_id IS NOT NULL AND s.transaction_at < cp.valid_from THEN 'counterparty_before_registration'
           WHEN r.occurrence > 1 THEN 'duplicate_id'
           WHEN l.transaction_id IS NOT NULL THEN 'duplicate_id'
         END AS reason,
         CASE
           WHEN c.client_id IS NULL THEN 'client_id ' || s.client_id || ' is not in dim_client'
           WHEN s.transaction_at < c.valid_from THEN 'client ' || s.client_id || ' registered on ' || CAST(CAST(c.valid_from AS DATE) AS VARCHAR) || ', after the transaction'
           WHEN s.counterparty_client_id IS NOT NULL AND cp.client_id IS NULL THEN 'counterparty_client_id ' || s.counterparty_client_id || ' is not in dim_client'
           WHEN s.counterparty_client_id IS NOT NULL AND s.transaction_at < cp.valid_from THEN 'counterparty ' || s.counterparty_client_id || ' registered on ' || CAST(CAST(cp.valid_from AS DATE) AS VARCHAR) || ', after the transaction'
           WHEN r.occurrence > 1 THEN 'transaction_id ' || s.transaction_id || ' already appears in ' || r.first_seen
           WHEN l.transaction_id IS NOT NULL THEN 'transaction_id ' || s.transaction_id || ' was already loaded by batch ' || CAST(l.batch_id AS VARCHAR)
         END AS message,
         CASE
           WHEN c.client_id IS NULL OR s.transaction_at < c.valid_from THEN 'client_id'
           WHEN s.counterparty_client_id IS NOT NULL AND (cp.client_id IS NULL OR s.transaction_at < cp.valid_from) THEN 'counterparty_client_id'
           ELSE 'transaction_id'
         END AS field
    FROM ${stage} AS s
    LEFT JOIN ranked AS r ON r.row_no = s.row_no
    LEFT JOIN dwh.dim_client AS c ON c.client_id = s.client_id AND c.version = 1
    LEFT JOIN ${counterparties} AS cp ON cp.client_id = s.counterparty_client_id AND cp.version = 1
    LEFT JOIN loaded AS l ON l.transaction_id = s.transaction_id
)
SELECT row_no, field, reason, message FROM checked WHERE reason IS NOT NULL`;

/**
 * The loaded facts with an id staged in `stage`, one row per id with the first batch that loaded it.
 * PostgreSQL finds them by its (transaction_id, date_key) index; DuckDB scans every loaded id for it
 * (see loadedInBatchSql).
 */
function loadedSql(stage: string): string {
  return `
  SELECT f.transaction_id, MIN(f.batch_id) AS batch_id
    FROM dwh.fact_transactions AS f
   WHERE f.transaction_id IN (SELECT t.transaction_id FROM ${stage} AS t)
   GROUP BY f.transaction_id`;
}

/** Per batch (DuckDB): the hash and day of every id the batch's earlier groups loaded (see loadedInBatchSql). */
export const LOADED_IDS_TABLE = { schema: "dwh_stage", table: "loaded_ids" } as const;
const LOADED_IDS = "dwh_stage.loaded_ids";
export const LOADED_IDS_DDL = "(id_hash UBIGINT NOT NULL, date_key INTEGER NOT NULL)";

/** The rows for LOADED_IDS of the staged rows of `stage` no verdict refused (the group just published). */
export const loadedIdsSql = (stage: string) => `
INSERT INTO ${LOADED_IDS} (id_hash, date_key)
SELECT hash(s.transaction_id), s.date_key FROM ${stage} AS s ${UNREFUSED}`;

/**
 * The days of the ids in LOADED_IDS whose hash is that of an id staged in `stage` (usually none); `loadedIds` is
 * where LOADED_IDS is read (see slicedScan).
 */
export const hashMatchDaysSql = (stage: string, loadedIds = LOADED_IDS) => `
SELECT DISTINCT b.date_key FROM ${loadedIds} AS b
 WHERE b.id_hash IN (SELECT hash(t.transaction_id) FROM ${stage} AS t)`;

/**
 * loadedSql for DuckDB, where scanning the ids of every loaded fact for each group cost more with each
 * group (full scale: verdicts 2.2 s for the first group, 12 to 15 s for the seventh). Earlier batches'
 * facts are scanned as before; this batch's earlier groups are read only on `days`, the days of
 * hashMatchDaysSql (none, usually: then not at all).
 */
export function loadedInBatchSql(
  stage: string,
  batchId: number,
  days: readonly number[],
  /**
   * Whether earlier batches loaded facts. When none did (a first load), their part is left out: DuckDB built its
   * hash of the staged ids even with no fact to probe it (0.3-0.7 s for 5.8M ids, measured).
   */
  earlier = true,
): string {
  const parts = [
    ...(earlier
      ? [
          `SELECT f.transaction_id, f.batch_id FROM dwh.fact_transactions AS f
            WHERE f.batch_id < ${batchId} AND f.transaction_id IN (SELECT t.transaction_id FROM ${stage} AS t)`,
        ]
      : []),
    ...(days.length > 0
      ? [
          `SELECT f.transaction_id, f.batch_id FROM dwh.fact_transactions AS f
            WHERE f.batch_id = ${batchId} AND f.date_key IN (${days.join(", ")})
              AND f.transaction_id IN (SELECT t.transaction_id FROM ${stage} AS t)`,
        ]
      : []),
  ];
  if (parts.length === 0)
    return "SELECT CAST(NULL AS VARCHAR) AS transaction_id, CAST(NULL AS BIGINT) AS batch_id WHERE FALSE";
  return `
  SELECT transaction_id, MIN(batch_id) AS batch_id FROM (${parts.join(" UNION ALL ")}) AS loaded
   GROUP BY transaction_id`;
}

export const VERDICTS_DDL =
  "(row_no BIGINT NOT NULL, field VARCHAR, reason VARCHAR NOT NULL, message VARCHAR NOT NULL)";

/** The staged rows a set-based check refused, with where they stand in their files (their raw record is not staged). */
export const verdictRejectsSql = (stage: string) => `
SELECT s.source_file, s.line_number, v.field, v.reason, v.message
  FROM dwh_stage.transaction_verdicts AS v
  JOIN ${stage} AS s ON s.row_no = v.row_no`;

export const SUMMARY_COLUMNS = [
  "date_key",
  "client_id",
  "client_key",
  "geography_key",
  "tx_count",
  "success_count",
  "failed_count",
  "reversed_count",
  "fraud_count",
  "distinct_counterparties",
  "distinct_services",
  "ussd_count",
  "app_count",
  "web_count",
  "api_count",
  "agent_pos_count",
  "amount_total",
  "amount_success",
  "amount_in_success",
  "amount_out_success",
  "fee_total",
  "max_amount",
  "fraud_amount",
  "first_time_key",
  "last_time_key",
  "batch_id",
].join(", ");

/**
 * The measures of one row per client and day of the facts matching `where` (on alias f). The distinct
 * counts are exact from MIN and MAX when a client-day has at most 2 values, which is nearly every one;
 * they are left NULL for the others, which distinctCountsSql then fills in. (COUNT(DISTINCT …) over every
 * client-day cost more than all the other measures together, on both engines.)
 */
export function dailySql(where: string, facts = "dwh.fact_transactions"): string {
  const pair = (count: string, x: string) =>
    `CASE WHEN ${count} < 2 THEN ${count} WHEN ${count} = 2 THEN CASE WHEN MIN(${x}) = MAX(${x}) THEN 1 ELSE 2 END END`;
  const channel = (code: string) => `COUNT(*) FILTER (WHERE channel_code = '${code}')`;
  return `
  SELECT date_key, client_id,
         COUNT(*) AS tx_count,
         COUNT(*) FILTER (WHERE ok) AS success_count,
         COUNT(*) FILTER (WHERE status_group IN ('failed', 'blocked')) AS failed_count,
         COUNT(*) FILTER (WHERE status_group = 'reversed') AS reversed_count,
         COUNT(*) FILTER (WHERE is_fraud) AS fraud_count,
         ${pair("COUNT(counterparty)", "counterparty")} AS distinct_counterparties,
         ${pair("COUNT(*)", "service_key")} AS distinct_services,
         ${channel("USSD")} AS ussd_count,
         ${channel("APP")} AS app_count,
         ${channel("WEB")} AS web_count,
         ${channel("API")} AS api_count,
         ${channel("AGENT_POS")} AS agent_pos_count,
         SUM(amount) AS amount_total,
         COALESCE(SUM(amount) FILTER (WHERE ok), 0) AS amount_success,
         COALESCE(SUM(amount) FILTER (WHERE ok AND balance_effect = 'credit'), 0) AS amount_in_success,
         COALESCE(SUM(amount) FILTER (WHERE ok AND balance_effect = 'debit'), 0) AS amount_out_success,
         COALESCE(SUM(fee) FILTER (WHERE ok), 0) AS fee_total,
         MAX(amount) AS max_amount,
         COALESCE(SUM(amount) FILTER (WHERE is_fraud), 0) AS fraud_amount,
         MIN(time_key) AS first_time_key,
         MAX(time_key) AS last_time_key
    FROM (SELECT f.date_key, f.client_id, f.amount, f.fee, f.is_fraud, f.time_key, f.service_key,
                 COALESCE(f.counterparty_client_id, f.counterparty_ref) AS counterparty,
                 st.status_group, st.status_group = 'success' AS ok, sv.balance_effect, ch.channel_code
            FROM ${facts} AS f
            JOIN dwh.dim_transaction_status AS st ON st.status_key = f.status_key
            JOIN dwh.dim_service AS sv ON sv.service_key = f.service_key
            JOIN dwh.dim_channel AS ch ON ch.channel_key = f.channel_key
           WHERE ${where}) AS f
   GROUP BY date_key, client_id`;
}

/**
 * The exact distinct counts of the client-days `daily` (on alias g) left NULL, from the facts matching `where`
 * (on alias f) of `facts`.
 */
function spreadSql(daily: string, where: string, facts = "dwh.fact_transactions"): string {
  return `
SELECT f.date_key, f.client_id,
       COUNT(DISTINCT COALESCE(f.counterparty_client_id, f.counterparty_ref)) AS distinct_counterparties,
       COUNT(DISTINCT f.service_key) AS distinct_services
  FROM ${facts} AS f
  JOIN ${daily} AS g ON g.date_key = f.date_key AND g.client_id = f.client_id
 WHERE (g.distinct_counterparties IS NULL OR g.distinct_services IS NULL) AND ${where}
 GROUP BY f.date_key, f.client_id`;
}

/** Fills in the distinct counts dailySql left NULL in `table`, from the facts matching `where` (on alias f). */
export function distinctCountsSql(table: string, where: string): string {
  return `
UPDATE ${table} AS d
   SET distinct_counterparties = x.distinct_counterparties, distinct_services = x.distinct_services
  FROM (${spreadSql(table, where)}) AS x
 WHERE d.date_key = x.date_key AND d.client_id = x.client_id`;
}

/**
 * The client versions as ranges of day keys: the version valid at the end of day D (valid_from < D + 1 00:00
 * <= valid_to) is the one with from_key <= D < to_key, where from_key is the day of valid_from and to_key the
 * day of valid_to (a version ending at 10:00 on D + 1, or at its midnight, is still valid at the end of D).
 * Comparing integers in the join costs far less than computing D + 1 as a timestamp for every client-day.
 */
export const VERSION_DAYS_SQL = `
SELECT client_id, client_key, geography_key,
       dwh.date_to_key(CAST(valid_from AS DATE)) AS from_key, dwh.date_to_key(CAST(valid_to AS DATE)) AS to_key
  FROM dwh.dim_client`;

/**
 * The summary rows of the client-days in `daily` (a table or subquery of dailySql's rows), with the version
 * valid at day's end; `versions` gives VERSION_DAYS_SQL's rows (a scratch copy of them, say).
 */
export function summarySql(
  batchId: number,
  daily: string,
  where = "TRUE",
  versions = VERSION_DAYS_SQL,
): string {
  return `
WITH daily AS (SELECT * FROM ${daily} AS f WHERE ${where}),
versions AS (${versions})
SELECT d.date_key, d.client_id, c.client_key, c.geography_key, d.tx_count, d.success_count, d.failed_count,
       d.reversed_count, d.fraud_count, d.distinct_counterparties, d.distinct_services, d.ussd_count, d.app_count,
       d.web_count, d.api_count, d.agent_pos_count, d.amount_total, d.amount_success, d.amount_in_success,
       d.amount_out_success, d.fee_total, d.max_amount, d.fraud_amount, d.first_time_key, d.last_time_key,
       CAST(${batchId} AS BIGINT)
  FROM daily AS d
  JOIN versions AS c ON c.client_id = d.client_id AND c.from_key <= d.date_key AND c.to_key > d.date_key`;
}

/**
 * The complete summary rows of the facts matching `where` (on alias f; a month of touched days, say) in one
 * statement: dailySql's measures, the distinct counts they left NULL, and the version valid at day's end
 * from `versions` (VERSION_DAYS_SQL's rows). `facts` is where the facts are read (see slicedScan).
 */
export function summaryOfFactsSql(
  batchId: number,
  where: string,
  versions: string,
  facts = "dwh.fact_transactions",
): string {
  const filled = (c: string) => `COALESCE(m.${c}, s.${c}) AS ${c}`;
  const complete = `(
    SELECT m.* REPLACE (${filled("distinct_counterparties")}, ${filled("distinct_services")})
      FROM measured AS m LEFT JOIN spread AS s ON s.date_key = m.date_key AND s.client_id = m.client_id)`;
  return `
WITH measured AS MATERIALIZED (${dailySql(where, facts)}),
spread AS (${spreadSql("measured", where, facts)})
SELECT * FROM (${summarySql(batchId, complete, "TRUE", versions)}) AS summary`;
}
