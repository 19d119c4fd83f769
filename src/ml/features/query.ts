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

/** Output columns besides the features, in order. */
export const ID_COLUMNS = [
  "ordinal",
  "transaction_id",
  "transaction_key",
  "date_key",
  "split",
  "is_fraud",
  "fraud_type",
];

/**
 * The feature query: one row per transaction of the range, ordered by (transaction_at, transaction_id)
 * as `ordinal`. Windows are RANGE frames over integer microseconds ending 1 µs before the row, so
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
    transaction_key,
    COUNT(*) OVER (PARTITION BY client_id, counterparty ${earlier(HISTORY_US)}) AS counterparty_seen_30d,
    COUNT(*) OVER (PARTITION BY client_id, counterparty ${earlier(DAY_US)}) AS counterparty_seen_24h,
    COUNT(*) OVER (PARTITION BY client_id, device_ref ${earlier(HISTORY_US)}) AS device_seen_30d,
    COUNT(*) OVER (PARTITION BY client_id, service_key ${earlier(HOUR_US)}) AS service_seen_1h,
    COUNT(*) OVER (PARTITION BY client_id, service_key ${earlier(HISTORY_US)}) AS service_seen_30d,
    COUNT(*) OVER (PARTITION BY client_id, channel_key ${earlier(HISTORY_US)}) AS channel_seen_30d
  FROM base
),
-- the client's own rows, and the transfers it received (cents NULL), on one time line per client
events AS (
  SELECT
    b.client_id AS holder, b.at_us, b.transaction_key, b.cents,
    CAST(b.cents AS ${d.wideInteger}) * b.cents AS cents_squared,
    b.is_failed,
    CASE WHEN b.counterparty IS NOT NULL AND k.counterparty_seen_30d = 0 THEN 1 ELSE 0 END AS is_new_counterparty,
    CASE WHEN b.is_inflow = 1 THEN b.cents END AS inflow_cents
  FROM base b JOIN keyed k ON k.transaction_key = b.transaction_key
  UNION ALL
  SELECT counterparty_client_id, at_us, NULL, NULL, NULL, 0, 0, cents
  FROM base
  WHERE counterparty_client_id IS NOT NULL AND is_success = 1
),
client_windows AS (
  SELECT
    transaction_key,
    COUNT(cents) OVER w1h AS n_1h,
    COUNT(cents) OVER w24h AS n_24h,
    COUNT(cents) OVER w7d AS n_7d,
    COUNT(cents) OVER w30d AS n_30d,
    COALESCE(SUM(cents) OVER w1h, 0) AS cents_1h,
    COALESCE(SUM(cents) OVER w24h, 0) AS cents_24h,
    COALESCE(SUM(cents) OVER w7d, 0) AS cents_7d,
    COALESCE(SUM(cents) OVER w30d, 0) AS cents_30d,
    COALESCE(SUM(cents_squared) OVER w30d, 0) AS cents_squared_30d,
    MAX(cents) OVER w30d AS max_cents_30d,
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
-- the client's latest earlier row: LAG in (transaction_at, transaction_id) order, then the value
-- before the first row of a same-instant group, so that rows of one instant do not see each other
lagged AS (
  SELECT
    transaction_key, client_id, at_us, transaction_id,
    LAG(at_us) OVER w AS lag_at_us,
    LAG(balance_cents) OVER w AS lag_balance_cents
  FROM base
  WINDOW w AS (PARTITION BY client_id ORDER BY at_us, ${d.byteOrder("transaction_id")})
),
previous AS (
  SELECT
    transaction_key, at_us,
    FIRST_VALUE(lag_at_us) OVER w AS previous_at_us,
    FIRST_VALUE(lag_balance_cents) OVER w AS previous_balance_cents
  FROM lagged
  WINDOW w AS (PARTITION BY client_id, at_us ORDER BY ${d.byteOrder("transaction_id")})
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
    b.transaction_id, b.transaction_key, b.date_key, b.transaction_at, b.transaction_date, b.at_us, b.cents,
    b.counterparty, b.counterparty_client_id, b.device_ref, b.service_key, b.channel_key,
    b.is_fraud, b.fraud_type,
    CASE WHEN b.date_key < $4 THEN 0 WHEN b.date_key < $5 THEN 1 ELSE 2 END AS split,
    CAST(ROUND(s.max_amount * 100) AS BIGINT) AS service_max_cents,
    s.risk_score AS service_risk_score,
    c.client_type, c.kyc_level, c.registration_date,
    cp.kyc_level AS counterparty_kyc_level, cp.registration_date AS counterparty_registration_date,
    k.counterparty_seen_30d, k.counterparty_seen_24h, k.device_seen_30d,
    k.service_seen_1h, k.service_seen_30d, k.channel_seen_30d,
    w.n_1h, w.n_24h, w.n_7d, w.n_30d, w.cents_1h, w.cents_24h, w.cents_7d, w.cents_30d,
    w.n_30d * w.cents_squared_30d - w.cents_30d * w.cents_30d AS variance_numerator_30d,
    w.max_cents_30d, w.failed_1h, w.new_counterparties_1h, w.inflow_count_24h, w.inflow_cents_24h,
    CASE WHEN b.at_us - p.previous_at_us <= ${HISTORY_US} THEN p.previous_at_us END AS previous_at_us,
    CASE WHEN b.at_us - p.previous_at_us <= ${HISTORY_US} THEN p.previous_balance_cents END AS previous_balance_cents,
    fi.counterparty_senders_24h
  FROM base b
  JOIN keyed k ON k.transaction_key = b.transaction_key
  JOIN client_windows w ON w.transaction_key = b.transaction_key
  JOIN previous p ON p.transaction_key = b.transaction_key
  LEFT JOIN fan_in fi ON fi.transaction_key = b.transaction_key
  JOIN dwh.dim_service s ON s.service_key = b.service_key
  JOIN dwh.dim_client c ON c.client_key = b.client_key
  LEFT JOIN dwh.dim_client cp ON cp.client_key = b.counterparty_client_key
  WHERE b.date_key >= $2
)
SELECT
  ROW_NUMBER() OVER (ORDER BY transaction_at, ${d.byteOrder("transaction_id")}) AS ordinal,
  transaction_id, transaction_key, date_key, split,
  CASE WHEN is_fraud THEN 1 ELSE 0 END AS is_fraud, fraud_type,
  ${ML_FEATURES.map((f) => `CAST(${f.sql} AS DOUBLE PRECISION) AS ${f.name}`).join(",\n  ")}
FROM inputs
WHERE is_fraud OR ${keepAll} OR ${d.md5Prefix32("transaction_id")} < $6
ORDER BY ordinal`;
}

/** The values bound to `$1 … $6` of `featureQuerySql`. */
export function featureQueryValues(p: FeatureQueryParams): number[] {
  return [p.lookbackKey, p.fromKey, p.toKey, p.validFromKey, p.testFromKey, p.keepBelowHash];
}
