-- PostgreSQL: keyed by (date_key, client_id) and range-partitioned by month like fact_transactions, so the ETL
-- rebuilds a month's partition aside and attaches it (foreign keys checked in one pass, not row by row).
-- Foreign keys in foreign_keys.postgres.sql. Columns match DuckDB.
CREATE TABLE IF NOT EXISTS dwh.fact_daily_client_summary (
  -- keys
  date_key                INTEGER      NOT NULL,
  client_id               VARCHAR      NOT NULL,
  client_key              BIGINT       NOT NULL,
  geography_key           INTEGER      NOT NULL,
  -- counts
  tx_count                INTEGER      NOT NULL CHECK (tx_count > 0),
  success_count           INTEGER      NOT NULL,
  failed_count            INTEGER      NOT NULL,
  reversed_count          INTEGER      NOT NULL,
  fraud_count             INTEGER      NOT NULL,
  distinct_counterparties INTEGER      NOT NULL,
  distinct_services       SMALLINT     NOT NULL,
  -- per channel
  ussd_count              INTEGER      NOT NULL,
  app_count               INTEGER      NOT NULL,
  web_count               INTEGER      NOT NULL,
  api_count               INTEGER      NOT NULL,
  agent_pos_count         INTEGER      NOT NULL,
  -- amounts
  amount_total            DECIMAL(18, 2) NOT NULL,
  amount_success          DECIMAL(18, 2) NOT NULL,
  amount_in_success       DECIMAL(18, 2) NOT NULL,
  amount_out_success      DECIMAL(18, 2) NOT NULL,
  fee_total               DECIMAL(18, 2) NOT NULL CHECK (fee_total >= 0),
  max_amount              DECIMAL(18, 2) NOT NULL,
  fraud_amount            DECIMAL(18, 2) NOT NULL,
  -- first and last activity
  first_time_key          SMALLINT     NOT NULL,
  last_time_key           SMALLINT     NOT NULL,
  -- lineage
  batch_id                BIGINT       NOT NULL,
  updated_at              TIMESTAMP    NOT NULL DEFAULT localtimestamp,
  PRIMARY KEY (date_key, client_id),
  CHECK (success_count + failed_count + reversed_count <= tx_count)
) PARTITION BY RANGE (date_key);

SELECT dwh.ensure_month_partition('fact_daily_client_summary', month_start::date)
  FROM generate_series(DATE '2024-01-01', DATE '2027-12-01', INTERVAL '1 month') AS month_start;
