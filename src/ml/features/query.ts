import { HISTORY_DAYS, ML_FEATURES } from "./catalog.ts";
import type { FeatureDialect } from "./dialect.ts";

export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;
export const HISTORY_US = HISTORY_DAYS * DAY_US;

/** Split codes as the query and the columnar result carry them. */
export const SPLITS = ["train", "valid", "test"] as const;
export type Split = (typeof SPLITS)[number];

/**
 * Parameters of the feature query, all date keys (YYYYMMDD integers). Rows of [fromKey, toKey) are
 * returned; rows of [lookbackKey, fromKey) only feed the windows.
 */
export interface FeatureQueryParams {
  readonly lookbackKey: number;
  readonly fromKey: number;
  readonly toKey: number;
  /** First date keys of the valid and test splits. */
  readonly validFromKey: number;
  readonly testFromKey: number;
  /** Negatives of `sampledSplits` are kept when md5Prefix32(transaction_id) < this (2^32 keeps all). */
  readonly keepBelowHash: number;
  readonly sampledSplits: readonly Split[];
}

/**
 * The feature query: one row per transaction of the range (unordered: see `featureOrder`): time, ids,
 * split, labels and `features`, an array in ML_FEATURES order. Windows are RANGE frames over integer microseconds ending 1 µs before the row, so
 * rows at the same instant never see each other.
 */
export function featureQuerySql(d: FeatureDialect, p: FeatureQueryParams): string {
  for (const [name, value] of Object.entries(p)) {
    if (name !== "sampledSplits" && !Number.isSafeInteger(value))
      throw new Error(`feature query: ${name} must be an integer, got ${String(value)}`);
  }
  const earlier = (span: number) => `ORDER BY at_us RANGE BETWEEN ${span} PRECEDING AND 1 PRECEDING`;
  const sampled = p.sampledSplits.map((s) => SPLITS.indexOf(s));
  const keepAll = sampled.length === 0 ? "TRUE" : `split NOT IN (${sampled.join(", ")})`;
  return `
WITH
-- every transaction of the range and its lookback, time as integer microseconds, money in cents
base AS (
  SELECT
    f.transaction_key, f.transaction_id, f.client_id, f.client_key,
    f.counterparty_client_id, f.counterparty_client_key,
    COALESCE(f.counterparty_client_id, f.counterparty_ref) AS counterparty,
    f.device_ref, f.service_key, f.channel_key,
    f.date_key, f.transaction_at, ${d.epochMicros("f.transaction_at")} AS at_us,
    CAST(f.transaction_at AS DATE) AS transaction_date,
    dwh.days_between(DATE '1970-01-01', CAST(f.transaction_at AS DATE)) AS day_number,
    CAST(ROUND(f.amount * 100) AS BIGINT) AS cents,
    CAST(ROUND(f.balance_after * 100) AS BIGINT) AS balance_cents,
    -- what a row tells the rows after it (never a feature of the row itself)
    CASE WHEN st.status_group = 'failed' THEN 1 ELSE 0 END AS is_failed,
    CASE WHEN st.is_success AND s.balance_effect = 'credit' THEN 1 ELSE 0 END AS is_inflow,
    CASE WHEN st.is_success THEN 1 ELSE 0 END AS is_success,
    -- labels
    f.is_fraud, f.fraud_type
  FROM dwh.fact_transactions f
  JOIN dwh.dim_transaction_status st ON st.status_key = f.status_key
  JOIN dwh.dim_service s ON s.service_key = f.service_key
  WHERE f.date_key >= $1 AND f.date_key < $3
),
-- per (client, key): earlier uses of the same counterparty, device, service, channel
keyed AS (
  SELECT
    base.*,
    COUNT(*) OVER (PARTITION BY client_id, counterparty ${earlier(HISTORY_US)}) AS counterparty_seen_30d,
    COUNT(*) OVER (PARTITION BY client_id, counterparty ${earlier(DAY_US)}) AS counterparty_seen_24h,
    COUNT(*) OVER (PARTITION BY client_id, device_ref ${earlier(HISTORY_US)}) AS device_seen_30d,
    COUNT(*) OVER (PARTITION BY client_id, service_key ${earlier(HOUR_US)}) AS service_seen_1h,
    COUNT(*) OVER (PARTITION BY client_id, service_key ${earlier(HISTORY_US)}) AS service_seen_30d,
    COUNT(*) OVER (PARTITION BY client_id, channel_key ${earlier(HISTORY_US)}) AS channel_seen_30d
  FROM base
),
-- the client's latest earlier row: LAG in (transaction_at, transaction_id) order, then the value
-- before the first row of a same-instant group, so that rows of one instant do not see each other
lagged AS (
  SELECT
    keyed.*,
    LAG(at_us) OVER w AS lag_at_us,
    LAG(balance_cents) OVER w AS lag_balance_cents
  FROM keyed
  WINDOW w AS (PARTITION BY client_id ORDER BY at_us, ${d.byteOrder("transaction_id")})
),
own AS (
  SELECT
    lagged.*,
    FIRST_VALUE(lag_at_us) OVER w AS first_lag_at_us,
    FIRST_VALUE(lag_balance_cents) OVER w AS first_lag_balance_cents
  FROM lagged
  WINDOW w AS (PARTITION BY client_id, at_us ORDER BY ${d.byteOrder("transaction_id")})
),
-- the client's own rows and the transfers it received, on one time line per client; received rows
-- carry only their time and amount
events AS (
  SELECT
    client_id AS holder, at_us, 1 AS is_own,
    ${OWN_COLUMNS.join(", ")},
    cents AS own_cents,
    CAST(cents AS ${d.wideInteger}) * cents AS own_cents_squared,
    CASE WHEN counterparty IS NOT NULL AND counterparty_seen_30d = 0 THEN 1 ELSE 0 END AS is_new_counterparty,
    CASE WHEN is_inflow = 1 THEN cents END AS inflow_cents
  FROM own
  UNION ALL
  SELECT
    counterparty_client_id, at_us, 0,
    ${OWN_COLUMNS.map(() => "NULL").join(", ")},
    NULL, NULL, 0, cents
  FROM base
  WHERE counterparty_client_id IS NOT NULL AND is_success = 1
),
windowed AS (
  SELECT
    events.*,
    COUNT(own_cents) OVER w1h AS n_1h,
    COUNT(own_cents) OVER w24h AS n_24h,
    COUNT(own_cents) OVER w7d AS n_7d,
    COUNT(own_cents) OVER w30d AS n_30d,
    COALESCE(SUM(own_cents) OVER w1h, 0) AS cents_1h,
    COALESCE(SUM(own_cents) OVER w24h, 0) AS cents_24h,
    COALESCE(SUM(own_cents) OVER w7d, 0) AS cents_7d,
    COALESCE(SUM(own_cents) OVER w30d, 0) AS cents_30d,
    COALESCE(SUM(own_cents_squared) OVER w30d, 0) AS cents_squared_30d,
    MAX(own_cents) OVER w30d AS max_cents_30d,
    COALESCE(SUM(is_failed) OVER w1h, 0) AS failed_1h,
    COALESCE(SUM(is_new_counterparty) OVER w1h, 0) AS new_counterparties_1h,
    COUNT(inflow_cents) OVER w24h AS inflow_count_24h,
    SUM(inflow_cents) OVER w24h AS inflow_cents_24h
  FROM events
  WINDOW
    w1h AS (PARTITION BY holder ${earlier(HOUR_US)}),
    w24h AS (PARTITION BY holder ${earlier(DAY_US)}),
    w7d AS (PARTITION BY holder ${earlier(7 * DAY_US)}),
    w30d AS (PARTITION BY holder ${earlier(HISTORY_US)})
),
-- distinct senders to the counterparty client over the 24 hours before: probes of the same and the
-- previous day, so the join pairs rows of at most two days
probes AS (
  SELECT b.transaction_key, b.counterparty_client_id, b.at_us, b.day_number - shift.days AS day_number
  FROM base b CROSS JOIN (SELECT 0 AS days UNION ALL SELECT 1) shift
  WHERE b.counterparty_client_id IS NOT NULL AND b.date_key >= $2
),
fan_in AS (
  SELECT p.transaction_key, COUNT(DISTINCT s.client_id) AS counterparty_senders_24h
  FROM probes p
  JOIN base s
    ON s.counterparty_client_id = p.counterparty_client_id AND s.day_number = p.day_number
   AND s.at_us >= p.at_us - ${DAY_US} AND s.at_us < p.at_us
  GROUP BY p.transaction_key
),
inputs AS (
  SELECT
    w.*,
    CASE WHEN w.date_key < $4 THEN 0 WHEN w.date_key < $5 THEN 1 ELSE 2 END AS split,
    CAST(ROUND(s.max_amount * 100) AS BIGINT) AS service_max_cents,
    s.risk_score AS service_risk_score,
    c.client_type, c.kyc_level, c.registration_date,
    cp.kyc_level AS counterparty_kyc_level, cp.registration_date AS counterparty_registration_date,
    ${d.exactToDouble("w.n_30d * w.cents_squared_30d - w.cents_30d * w.cents_30d")} AS variance_numerator_30d,
    CASE WHEN w.at_us - w.first_lag_at_us <= ${HISTORY_US} THEN w.first_lag_at_us END AS previous_at_us,
    CASE WHEN w.at_us - w.first_lag_at_us <= ${HISTORY_US} THEN w.first_lag_balance_cents END AS previous_balance_cents,
    fi.counterparty_senders_24h
  FROM windowed w
  LEFT JOIN fan_in fi ON fi.transaction_key = w.transaction_key
  JOIN dwh.dim_service s ON s.service_key = w.service_key
  JOIN dwh.dim_client c ON c.client_key = w.client_key
  LEFT JOIN dwh.dim_client cp ON cp.client_key = w.counterparty_client_key
  WHERE w.is_own = 1 AND w.date_key >= $2
)
SELECT
  transaction_at, transaction_id, transaction_key, date_key, split,
  CASE WHEN is_fraud THEN 1 ELSE 0 END AS is_fraud, fraud_type,
  -- one array in ML_FEATURES order: a page of rows reads faster than with one column per feature
  ARRAY[
    ${ML_FEATURES.map((f) => `CAST(${f.sql} AS DOUBLE PRECISION)`).join(",\n    ")}
  ] AS features
FROM inputs
WHERE is_fraud OR ${keepAll} OR ${d.md5Prefix32("transaction_id")} < $6`;
}

/** The order of the feature rows: (transaction_at, transaction_id), ids byte by byte. */
export function featureOrder(d: FeatureDialect): string {
  return `transaction_at, ${d.byteOrder("transaction_id")}`;
}

/** Columns of a client's own row that the features read after the per-client windows. */
const OWN_COLUMNS = [
  "transaction_key",
  "transaction_id",
  "client_key",
  "counterparty_client_id",
  "counterparty_client_key",
  "counterparty",
  "device_ref",
  "service_key",
  "channel_key",
  "date_key",
  "transaction_at",
  "transaction_date",
  "cents",
  "is_failed",
  "is_fraud",
  "fraud_type",
  "counterparty_seen_30d",
  "counterparty_seen_24h",
  "device_seen_30d",
  "service_seen_1h",
  "service_seen_30d",
  "channel_seen_30d",
  "first_lag_at_us",
  "first_lag_balance_cents",
];

/** The values bound to `$1 … $6` of `featureQuerySql`. */
export function featureQueryValues(p: FeatureQueryParams): number[] {
  return [p.lookbackKey, p.fromKey, p.toKey, p.validFromKey, p.testFromKey, p.keepBelowHash];
}
