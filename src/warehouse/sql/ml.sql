-- Machine-learning outputs written back to the warehouse: the model registry, a fraud score per
-- transaction, and a client segment per client and as-of date. JSON travels as text on both engines.
CREATE TABLE IF NOT EXISTS dwh.ml_models (
  -- keys
  model_kind            VARCHAR      NOT NULL CHECK (model_kind IN ('fraud_gbdt', 'segment_kmeans')),
  model_version         INTEGER      NOT NULL CHECK (model_version >= 1),
  -- what was learnt, from what
  created_at            TIMESTAMP    NOT NULL DEFAULT localtimestamp,
  trained_from          DATE,
  trained_to            DATE,
  feature_names         VARCHAR      NOT NULL,
  parameters            VARCHAR      NOT NULL,
  metrics               VARCHAR      NOT NULL,
  decision_threshold    DOUBLE PRECISION,
  model_json            VARCHAR      NOT NULL,
  is_active             BOOLEAN      NOT NULL,
  PRIMARY KEY (model_kind, model_version)
);

-- One row per scored transaction and model version; top_reasons is a JSON array of
-- {"feature", "value", "contribution"} sorted by contribution, largest first.
CREATE TABLE IF NOT EXISTS dwh.fact_fraud_scores (
  -- keys
  transaction_id        VARCHAR      NOT NULL,
  transaction_key       BIGINT       NOT NULL,
  date_key              INTEGER      NOT NULL,
  client_key            BIGINT       NOT NULL,
  model_version         INTEGER      NOT NULL,
  -- score
  fraud_score           DOUBLE PRECISION NOT NULL CHECK (fraud_score >= 0 AND fraud_score <= 1),
  is_alert              BOOLEAN      NOT NULL,
  top_reasons           VARCHAR      NOT NULL,
  -- lineage
  scored_at             TIMESTAMP    NOT NULL DEFAULT localtimestamp
);

-- One row per client and as-of date (unique: by index on PostgreSQL, by the segmentation run on DuckDB): RFM measures over the window, quintile scores and the K-means segment.
CREATE TABLE IF NOT EXISTS dwh.client_segments (
  -- keys
  client_id             VARCHAR      NOT NULL,
  client_key            BIGINT       NOT NULL,
  as_of_date            DATE         NOT NULL,
  model_version         INTEGER      NOT NULL,
  -- RFM
  recency_days          INTEGER      NOT NULL CHECK (recency_days >= 0),
  frequency             INTEGER      NOT NULL CHECK (frequency >= 0),
  monetary              DECIMAL(18, 2) NOT NULL,
  r_score               SMALLINT     NOT NULL CHECK (r_score BETWEEN 1 AND 5),
  f_score               SMALLINT     NOT NULL CHECK (f_score BETWEEN 1 AND 5),
  m_score               SMALLINT     NOT NULL CHECK (m_score BETWEEN 1 AND 5),
  -- segment
  segment_id            SMALLINT     NOT NULL,
  segment_name          VARCHAR      NOT NULL,
  centroid_distance     DOUBLE PRECISION NOT NULL
);
