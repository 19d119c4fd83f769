-- Recency / frequency / monetary per client over the 365 days up to the last loaded day, scored in
-- quintiles (5 = best) and given a rule-based segment. Ties break on client_id so both engines agree.
CREATE OR REPLACE VIEW dwh.v_rfm_segmentation AS
WITH as_of AS (
  SELECT MAX(date_key) AS as_of_date_key FROM dwh.fact_daily_client_summary
),
activity AS (
  SELECT
    s.client_id,
    MAX(s.date_key)                                 AS last_active_date_key,
    SUM(s.success_count)                            AS frequency,
    SUM(s.amount_success)                           AS monetary
  FROM dwh.fact_daily_client_summary AS s
  CROSS JOIN as_of
  WHERE s.date_key > dwh.date_to_key(dwh.key_to_date(as_of.as_of_date_key) - 365)
  GROUP BY s.client_id
),
measured AS (
  SELECT
    activity.*,
    as_of.as_of_date_key,
    dwh.days_between(dwh.key_to_date(last_active_date_key), dwh.key_to_date(as_of.as_of_date_key)) AS recency_days
  FROM activity CROSS JOIN as_of
),
scored AS (
  SELECT
    measured.*,
    NTILE(5) OVER (ORDER BY recency_days DESC, client_id) AS r_score,
    NTILE(5) OVER (ORDER BY frequency, client_id)         AS f_score,
    NTILE(5) OVER (ORDER BY monetary, client_id)          AS m_score
  FROM measured
),
final AS (
  SELECT
    scored.client_id,
    c.client_key,
    c.client_name,
    c.client_type,
    c.tier,
    c.geography_key,
    scored.as_of_date_key,
    scored.last_active_date_key,
    scored.recency_days,
    scored.frequency,
    scored.monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    CAST(scored.r_score AS VARCHAR) || CAST(scored.f_score AS VARCHAR) || CAST(scored.m_score AS VARCHAR) AS rfm_cell,
    CASE
      WHEN scored.r_score >= 4 AND scored.f_score >= 4 THEN 'Champions'
      WHEN scored.r_score >= 3 AND scored.f_score >= 3 THEN 'Loyal'
      WHEN scored.r_score >= 3 THEN 'Potential'
      WHEN scored.f_score >= 3 THEN 'At risk'
      ELSE 'Dormant'
    END AS rfm_segment
  FROM scored
  JOIN dwh.dim_client AS c ON c.client_id = scored.client_id AND c.is_current
)
SELECT * FROM final;
