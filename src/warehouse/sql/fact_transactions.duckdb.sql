-- DuckDB: no primary key or foreign keys on the fact. An ART index over ~36M rows would cost
-- gigabytes of memory on every load; uniqueness and key resolution are enforced by the ETL's
-- validation and checked by the contract tests. Columns and order match the PostgreSQL variant.
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
  loaded_at               TIMESTAMP    NOT NULL DEFAULT localtimestamp
);
