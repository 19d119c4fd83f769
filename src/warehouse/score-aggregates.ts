import type { Warehouse } from "./warehouse.ts";

/** Bins of dwh.agg_daily_scores: 0.05 wide, a score of 1 in the last. */
export const SCORE_BINS = 20;

/** The score bin of a score expression, as dwh.agg_daily_scores counts it. */
export function scoreBin(score: string): string {
  return `LEAST(CAST(FLOOR(${score} * ${SCORE_BINS}) AS INTEGER), ${SCORE_BINS - 1})`;
}

/**
 * Recounts dwh.agg_daily_scores for model `version` from dwh.fact_fraud_scores, on the days between
 * `fromKey` and `toKey` (YYYYMMDD, both included; all days when absent).
 */
export async function refreshScoreAggregates(
  tx: Warehouse,
  version: number,
  days: { fromKey?: number; toKey?: number } = {},
): Promise<void> {
  const inRange = `date_key BETWEEN CAST($2 AS INTEGER) AND CAST($3 AS INTEGER)`;
  const values = [version, days.fromKey ?? 0, days.toKey ?? 99_991_231];
  await tx.query(`DELETE FROM dwh.agg_daily_scores WHERE model_version = $1 AND ${inRange}`, values);
  await tx.query(
    `INSERT INTO dwh.agg_daily_scores (model_version, date_key, country_code, region_name, client_type, score_bin,
            scored, alerts)
     SELECT fs.model_version, fs.date_key, g.country_code, g.region_name, c.client_type, ${scoreBin("fs.fraud_score")},
            COUNT(*), SUM(CASE WHEN fs.is_alert THEN 1 ELSE 0 END)
       FROM dwh.fact_fraud_scores AS fs
       JOIN dwh.dim_client AS c ON c.client_key = fs.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
      WHERE fs.model_version = $1 AND fs.${inRange}
      GROUP BY fs.model_version, fs.date_key, g.country_code, g.region_name, c.client_type, ${scoreBin("fs.fraud_score")}`,
    values,
  );
  if (tx.engine === "postgres") await tx.exec("ANALYZE dwh.agg_daily_scores");
}

/** Counts the scores of the model versions scored before dwh.agg_daily_scores existed; false when none. */
export async function backfillScoreAggregates(tx: Warehouse): Promise<boolean> {
  const versions = await tx.query<{ model_version: number }>(
    `SELECT DISTINCT model_version FROM dwh.fact_fraud_scores
      WHERE model_version NOT IN (SELECT model_version FROM dwh.agg_daily_scores) ORDER BY 1`,
  );
  for (const { model_version } of versions) await refreshScoreAggregates(tx, Number(model_version));
  return versions.length > 0;
}
