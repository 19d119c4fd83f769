import type { Warehouse } from "../warehouse/warehouse.ts";

/** Queries only the reports need: whole-history distributions, read once per report, so scans are acceptable. */

type Rows<T> = Promise<T[]>;

const num = <T extends Record<string, unknown>>(
  rows: Record<string, unknown>[],
  ...names: (keyof T & string)[]
) =>
  rows.map((row) => {
    const copy: Record<string, unknown> = { ...row };
    for (const name of names) copy[name] = Number(row[name] ?? 0);
    return copy as T;
  });

export async function tableCounts(wh: Warehouse): Rows<{ relation: string; rows: number }> {
  const relations = [
    "dim_client",
    "dim_geography",
    "dim_service",
    "fact_transactions",
    "fact_daily_client_summary",
  ];
  const counts = [];
  for (const relation of relations) {
    const [row] = await wh.query<{ n: number }>(`SELECT COUNT(*) AS n FROM dwh.${relation}`);
    counts.push({ relation: `dwh.${relation}`, rows: Number(row?.n ?? 0) });
  }
  return counts;
}

export async function batches(wh: Warehouse) {
  return num<{
    batch_id: number;
    status: string;
    started_at: string;
    rows_in: number;
    rows_loaded: number;
    rows_rejected: number;
  }>(
    await wh.query(
      `SELECT batch_id, status, started_at, rows_in, rows_loaded, rows_rejected
         FROM dwh_audit.etl_batches ORDER BY batch_id`,
    ),
    "batch_id",
    "rows_in",
    "rows_loaded",
    "rows_rejected",
  );
}

export async function rejectsByReason(wh: Warehouse) {
  return num<{ reason: string; rejects: number }>(
    await wh.query(
      "SELECT reason, COUNT(*) AS rejects FROM dwh_audit.etl_rejects GROUP BY reason ORDER BY rejects DESC, reason",
    ),
    "rejects",
  );
}

/** Transactions, and labelled frauds, per hour of the day. */
export async function byHour(wh: Warehouse) {
  return num<{ hour: number; transactions: number; fraud: number }>(
    await wh.query(
      `SELECT tm.hour_of_day AS hour, COUNT(*) AS transactions, SUM(CASE WHEN t.is_fraud THEN 1 ELSE 0 END) AS fraud
         FROM dwh.fact_transactions AS t JOIN dwh.dim_time AS tm ON tm.time_key = t.time_key
        GROUP BY tm.hour_of_day ORDER BY hour`,
    ),
    "hour",
    "transactions",
    "fraud",
  );
}

export async function byWeekday(wh: Warehouse) {
  return num<{ day_of_week: number; day: string; transactions: number; value: number }>(
    await wh.query(
      `SELECT d.day_of_week, d.day_name_en AS day, SUM(s.tx_count) AS transactions, SUM(s.amount_success) AS value
         FROM dwh.fact_daily_client_summary AS s JOIN dwh.dim_date AS d ON d.date_key = s.date_key
        GROUP BY d.day_of_week, d.day_name_en ORDER BY d.day_of_week`,
    ),
    "day_of_week",
    "transactions",
    "value",
  );
}

/** Transactions per power of ten of the amount (bucket 3: 1,000 to 9,999.99), fraud apart. */
export async function amountBuckets(wh: Warehouse) {
  return num<{ bucket: number; transactions: number; fraud: number }>(
    await wh.query(
      `SELECT CAST(FLOOR(LN(CAST(t.amount AS DOUBLE PRECISION)) / LN(10) + 1e-9) AS INTEGER) AS bucket,
              COUNT(*) AS transactions, SUM(CASE WHEN t.is_fraud THEN 1 ELSE 0 END) AS fraud
         FROM dwh.fact_transactions AS t
        GROUP BY 1 ORDER BY 1`,
    ),
    "bucket",
    "transactions",
    "fraud",
  );
}

export async function byStatus(wh: Warehouse) {
  return num<{ status_code: string; status_group: string; transactions: number }>(
    await wh.query(
      `SELECT st.status_code, st.status_group, COUNT(*) AS transactions
         FROM dwh.fact_transactions AS t JOIN dwh.dim_transaction_status AS st ON st.status_key = t.status_key
        GROUP BY st.status_code, st.status_group ORDER BY transactions DESC, st.status_code`,
    ),
    "transactions",
  );
}

export async function clientMix(wh: Warehouse) {
  return num<{ client_type: string; tier: string; clients: number }>(
    await wh.query(
      `SELECT client_type, tier, COUNT(*) AS clients FROM dwh.dim_client WHERE is_current
        GROUP BY client_type, tier ORDER BY client_type, tier`,
    ),
    "clients",
  );
}

export async function registrationsByYear(wh: Warehouse) {
  return num<{ year: number; clients: number }>(
    await wh.query(
      `SELECT CAST(EXTRACT(YEAR FROM registration_date) AS INTEGER) AS year, COUNT(*) AS clients
         FROM dwh.dim_client WHERE is_current GROUP BY 1 ORDER BY 1`,
    ),
    "year",
    "clients",
  );
}

export async function changeReasons(wh: Warehouse) {
  return num<{ change_reason: string; versions: number }>(
    await wh.query(
      `SELECT change_reason, COUNT(*) AS versions FROM dwh.dim_client
        GROUP BY change_reason ORDER BY versions DESC, change_reason`,
    ),
    "versions",
  );
}

export async function fraudByClientType(wh: Warehouse) {
  return num<{ client_type: string; transactions: number; fraud: number }>(
    await wh.query(
      `SELECT c.client_type, SUM(s.tx_count) AS transactions, SUM(s.fraud_count) AS fraud
         FROM dwh.fact_daily_client_summary AS s JOIN dwh.dim_client AS c ON c.client_key = s.client_key
        GROUP BY c.client_type ORDER BY fraud DESC, c.client_type`,
    ),
    "transactions",
    "fraud",
  );
}

/** The active model's alerts against the data's labels, over every scored transaction. */
export async function confusion(wh: Warehouse, modelVersion: number) {
  return num<{ is_alert: boolean; is_fraud: boolean; transactions: number }>(
    await wh.query(
      `SELECT fs.is_alert, t.is_fraud, COUNT(*) AS transactions
         FROM dwh.fact_fraud_scores AS fs
         JOIN dwh.fact_transactions AS t ON t.transaction_key = fs.transaction_key AND t.date_key = fs.date_key
        WHERE fs.model_version = CAST($1 AS INTEGER)
        GROUP BY fs.is_alert, t.is_fraud`,
      [modelVersion],
    ),
    "transactions",
  );
}

/** The top reasons of the latest alerts (at most `limit`), as JSON text. */
export async function alertReasons(wh: Warehouse, modelVersion: number, limit: number): Promise<string[]> {
  const rows = await wh.query<{ top_reasons: string }>(
    `SELECT top_reasons FROM dwh.fact_fraud_scores
      WHERE is_alert AND model_version = CAST($1 AS INTEGER)
      ORDER BY date_key DESC LIMIT CAST($2 AS INTEGER)`,
    [modelVersion, limit],
  );
  return rows.map((r) => r.top_reasons);
}

/** Clients of the segmentation of `asOfDate` by recency and frequency quintile. */
export async function rfmGrid(wh: Warehouse, asOfDate: string) {
  return num<{ r_score: number; f_score: number; clients: number }>(
    await wh.query(
      `SELECT r_score, f_score, COUNT(*) AS clients FROM dwh.client_segments
        WHERE as_of_date = CAST($1 AS DATE)
        GROUP BY r_score, f_score ORDER BY r_score, f_score`,
      [asOfDate],
    ),
    "r_score",
    "f_score",
    "clients",
  );
}

export async function segmentProfiles(wh: Warehouse, asOfDate: string) {
  return num<{
    segment_name: string;
    clients: number;
    recency_days: number;
    frequency: number;
    monetary: number;
    r_score: number;
    f_score: number;
    m_score: number;
    centroid_distance: number;
  }>(
    await wh.query(
      `SELECT segment_name, COUNT(*) AS clients,
              AVG(CAST(recency_days AS DOUBLE PRECISION)) AS recency_days,
              AVG(CAST(frequency AS DOUBLE PRECISION)) AS frequency,
              AVG(CAST(monetary AS DOUBLE PRECISION)) AS monetary,
              AVG(CAST(r_score AS DOUBLE PRECISION)) AS r_score,
              AVG(CAST(f_score AS DOUBLE PRECISION)) AS f_score,
              AVG(CAST(m_score AS DOUBLE PRECISION)) AS m_score,
              AVG(centroid_distance) AS centroid_distance
         FROM dwh.client_segments WHERE as_of_date = CAST($1 AS DATE)
        GROUP BY segment_name ORDER BY clients DESC, segment_name`,
      [asOfDate],
    ),
    "clients",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "centroid_distance",
  );
}

export async function segmentClientTypes(wh: Warehouse, asOfDate: string) {
  return num<{ segment_name: string; client_type: string; clients: number }>(
    await wh.query(
      `SELECT cs.segment_name, c.client_type, COUNT(*) AS clients
         FROM dwh.client_segments AS cs JOIN dwh.dim_client AS c ON c.client_key = cs.client_key
        WHERE cs.as_of_date = CAST($1 AS DATE)
        GROUP BY cs.segment_name, c.client_type ORDER BY cs.segment_name, c.client_type`,
      [asOfDate],
    ),
    "clients",
  );
}
