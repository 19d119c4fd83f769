-- PostgreSQL: range-partitioned by month on date_key (partitions created below, and by the ETL through
-- dwh.ensure_month_partition for months outside the calendar). Foreign keys live in foreign_keys.postgres.sql,
-- indexes in indexes.postgres.sql. Columns and order match the DuckDB variant.
CREATE TABLE IF NOT EXISTS dwh.fact_transactions (
  -- keys
  transaction_key         BIGINT       NOT NULL DEFAULT nextval('dwh.seq_transaction_key'),
  transaction_id          VARCHAR      NOT NULL,
  date_key                INTEGER      NOT NULL,
  time_key                SMALLINT     NOT NULL,
  client_key              BIGINT       NOT NULL,
  client_id               VARCHAR      NOT NULL,
  counterparty_client_key BIGINT,
  counterparty_client_id  VARCHAR,
  counterparty_ref        VARCHAR,
  service_key             SMALLINT     NOT NULL,
  channel_key             SMALLINT     NOT NULL,
  status_key              SMALLINT     NOT NULL,
  geography_key           INTEGER      NOT NULL,
  -- when
  transaction_at          TIMESTAMP    NOT NULL,
  -- amounts
  amount                  DECIMAL(18, 2) NOT NULL CHECK (amount > 0),
  fee                     DECIMAL(18, 2) NOT NULL CHECK (fee >= 0),
  currency_code           VARCHAR(3)   NOT NULL,
  balance_after           DECIMAL(18, 2),
  device_ref              VARCHAR,
  -- fraud label
  is_fraud                BOOLEAN      NOT NULL DEFAULT false,
  fraud_type              VARCHAR,
  -- lineage
  batch_id                BIGINT       NOT NULL,
  loaded_at               TIMESTAMP    NOT NULL DEFAULT localtimestamp,
  PRIMARY KEY (transaction_key, date_key),
  UNIQUE (transaction_id, date_key)
) PARTITION BY RANGE (date_key);

-- One partition per month of the calendar dimension (2024-01 … 2027-12).
SELECT dwh.ensure_month_partition('fact_transactions', month_start::date)
  FROM generate_series(DATE '2024-01-01', DATE '2027-12-01', INTERVAL '1 month') AS month_start;
