import type { Warehouse } from "./warehouse.ts";

/** Bins of dwh.agg_daily_scores: 0.05 wide, a score of 1 in the last. */
export const SCORE_BINS = 20;

/** The score bin of a score expression, as dwh.agg_daily_scores counts it. */
export function scoreBin(score: string): string {
  return `LEAST(CAST(FLOOR(${score} * ${SCORE_BINS}) AS INTEGER), ${SCORE_BINS - 1})`;
}

const DIMENSIONS = "country_code, region_name, client_type, service_key, channel_key, score_bin";

/**
 * Recounts dwh.agg_daily_scores for model `version` from dwh.fact_fraud_scores, on the days between
 * `fromKey` and `toKey` (YYYYMMDD, both included; all days when absent), and dwh.agg_monthly_scores for the
 * months those days fall in. Service and channel come from the scored transaction; the rows of all services
 * and channels (both NULL) are summed from the others.
 */
export async function refreshScoreAggregates(
  tx: Warehouse,
  version: number,
  days: { fromKey?: number; toKey?: number } = {},
): Promise<void> {
  const inRange = `date_key BETWEEN CAST($2 AS INTEGER) AND CAST($3 AS INTEGER)`;
  const values = [version, days.fromKey ?? 0, days.toKey ?? 99_991_231];
  await tx.query(`DELETE FROM dwh.agg_daily_scores WHERE model_version = $1 AND ${inRange}`, values);
  // Joined on the transaction key alone (a sequence's): with the day too, PostgreSQL expected a few thousand
  // rows instead of millions and looked every client up by index (21 s instead of 17 s, medium).
  await tx.query(
    `INSERT INTO dwh.agg_daily_scores (model_version, date_key, ${DIMENSIONS}, scored, alerts)
     SELECT fs.model_version, fs.date_key, g.country_code, g.region_name, c.client_type, t.service_key,
            t.channel_key, ${scoreBin("fs.fraud_score")}, COUNT(*), SUM(CASE WHEN fs.is_alert THEN 1 ELSE 0 END)
       FROM dwh.fact_fraud_scores AS fs
       JOIN dwh.fact_transactions AS t ON t.transaction_key = fs.transaction_key
       JOIN dwh.dim_client AS c ON c.client_key = fs.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
      WHERE fs.model_version = $1 AND fs.${inRange} AND t.${inRange}
      GROUP BY fs.model_version, fs.date_key, g.country_code, g.region_name, c.client_type, t.service_key,
               t.channel_key, ${scoreBin("fs.fraud_score")}`,
    values,
  );
  // The rows of all services and channels, what the pages read without those filters.
  await tx.query(
    `INSERT INTO dwh.agg_daily_scores (model_version, date_key, ${DIMENSIONS}, scored, alerts)
     SELECT model_version, date_key, country_code, region_name, client_type, NULL, NULL, score_bin, SUM(scored),
            SUM(alerts)
       FROM dwh.agg_daily_scores
      WHERE model_version = $1 AND ${inRange} AND service_key IS NOT NULL
      GROUP BY model_version, date_key, country_code, region_name, client_type, score_bin`,
    values,
  );
  // Whole months of the days: their monthly rows are recounted from all their daily ones.
  const div = tx.engine === "duckdb" ? "//" : "/";
  const months = `month_key BETWEEN CAST($2 AS INTEGER) ${div} 100 AND CAST($3 AS INTEGER) ${div} 100`;
  await tx.query(`DELETE FROM dwh.agg_monthly_scores WHERE model_version = $1 AND ${months}`, values);
  await tx.query(
    `INSERT INTO dwh.agg_monthly_scores (model_version, month_key, date_key, ${DIMENSIONS}, scored, alerts)
     SELECT model_version, month_key, MIN(date_key), ${DIMENSIONS}, SUM(scored), SUM(alerts)
       FROM (SELECT date_key ${div} 100 AS month_key, * FROM dwh.agg_daily_scores WHERE model_version = $1) AS d
      WHERE ${months}
      GROUP BY model_version, month_key, ${DIMENSIONS}`,
    values,
  );
  if (tx.engine === "postgres") await tx.exec("ANALYZE dwh.agg_daily_scores; ANALYZE dwh.agg_monthly_scores");
}

/**
 * Counts the scores of the model versions scored before dwh.agg_daily_scores existed, or before it held
 * services and channels, or before dwh.agg_monthly_scores existed; false when none.
 */
export async function backfillScoreAggregates(tx: Warehouse): Promise<boolean> {
  // NOT EXISTS rather than NOT IN: PostgreSQL hashes a NOT IN list only while it fits in work_mem, and the
  // 1.4M daily rows of the medium preset did not (a scan of them per score: minutes).
  const versions = await tx.query<{ model_version: number }>(
    `SELECT v.model_version FROM (SELECT DISTINCT model_version FROM dwh.fact_fraud_scores) AS v
      WHERE NOT EXISTS (SELECT 1 FROM dwh.agg_daily_scores AS a
                         WHERE a.model_version = v.model_version AND a.service_key IS NOT NULL)
         OR NOT EXISTS (SELECT 1 FROM dwh.agg_monthly_scores AS m WHERE m.model_version = v.model_version)
      ORDER BY 1`,
  );
  for (const { model_version } of versions) await refreshScoreAggregates(tx, Number(model_version));
  return versions.length > 0;
}
