-- The latest client segmentation (dwh.client_segments, written by `momo segment`): RFM measures over the
-- window, quintile scores (5 = best) and the K-means segment named from its centroid, with the client's
-- attributes as they stood that day. Empty until a segmentation has run.
-- Dropped first: PostgreSQL cannot replace a view whose columns changed (the rule-based view it replaces).
DROP VIEW IF EXISTS dwh.v_rfm_segmentation;
CREATE VIEW dwh.v_rfm_segmentation AS
WITH latest AS (
  SELECT MAX(as_of_date) AS as_of_date FROM dwh.client_segments
),
final AS (
  SELECT
    s.client_id,
    s.client_key,
    c.client_name,
    c.client_type,
    c.tier,
    c.geography_key,
    s.as_of_date,
    dwh.date_to_key(s.as_of_date)  AS as_of_date_key,
    s.recency_days,
    s.frequency,
    s.monetary,
    s.r_score,
    s.f_score,
    s.m_score,
    CAST(s.r_score AS VARCHAR) || CAST(s.f_score AS VARCHAR) || CAST(s.m_score AS VARCHAR) AS rfm_cell,
    s.segment_id,
    s.segment_name                 AS rfm_segment,
    s.centroid_distance,
    s.model_version
  FROM dwh.client_segments AS s
  JOIN latest ON s.as_of_date = latest.as_of_date
  JOIN dwh.dim_client AS c ON c.client_key = s.client_key
)
SELECT * FROM final;
