-- ETL lineage: one row per batch, every quarantined record, and the client change events as received.
-- No foreign keys: DuckDB forbids updating a referenced row, and a batch row is updated when it finishes.
CREATE SCHEMA IF NOT EXISTS dwh_audit;

CREATE SEQUENCE IF NOT EXISTS dwh_audit.seq_batch_id START 1;

CREATE TABLE IF NOT EXISTS dwh_audit.etl_batches (
  batch_id              BIGINT       NOT NULL PRIMARY KEY,
  -- input
  input_path            VARCHAR      NOT NULL,
  input_format          VARCHAR      NOT NULL CHECK (input_format IN ('generated', 'paysim')),
  input_checksum        VARCHAR      NOT NULL,
  input_files           INTEGER      NOT NULL,
  input_bytes           BIGINT       NOT NULL,
  -- run
  started_at            TIMESTAMP    NOT NULL,
  finished_at           TIMESTAMP,
  status                VARCHAR      NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  message               VARCHAR,
  -- counts: in = loaded + rejected for every record kind once a batch has succeeded
  rows_in               BIGINT       NOT NULL DEFAULT 0,
  rows_loaded           BIGINT       NOT NULL DEFAULT 0,
  rows_rejected         BIGINT       NOT NULL DEFAULT 0,
  clients_in            BIGINT       NOT NULL DEFAULT 0,
  clients_loaded        BIGINT       NOT NULL DEFAULT 0,
  clients_rejected      BIGINT       NOT NULL DEFAULT 0,
  changes_in            BIGINT       NOT NULL DEFAULT 0,
  changes_loaded        BIGINT       NOT NULL DEFAULT 0,
  changes_rejected      BIGINT       NOT NULL DEFAULT 0,
  -- effects
  client_versions_written BIGINT     NOT NULL DEFAULT 0,
  facts_repointed       BIGINT       NOT NULL DEFAULT 0,
  summary_days_rebuilt  INTEGER      NOT NULL DEFAULT 0,
  CHECK (status <> 'succeeded' OR (rows_in = rows_loaded + rows_rejected
                                   AND clients_in = clients_loaded + clients_rejected
                                   AND changes_in = changes_loaded + changes_rejected))
);

CREATE TABLE IF NOT EXISTS dwh_audit.etl_rejects (
  batch_id              BIGINT       NOT NULL,
  source_file           VARCHAR      NOT NULL,
  line_number           BIGINT       NOT NULL,
  record_kind           VARCHAR      NOT NULL CHECK (record_kind IN ('transaction', 'client', 'client_change')),
  field                 VARCHAR,
  reason                VARCHAR      NOT NULL,
  message               VARCHAR      NOT NULL,
  raw_record            VARCHAR      NOT NULL
);

CREATE TABLE IF NOT EXISTS dwh_audit.client_change_events (
  change_id             VARCHAR      NOT NULL PRIMARY KEY,
  client_id             VARCHAR      NOT NULL,
  effective_at          TIMESTAMP    NOT NULL,
  change_type           VARCHAR      NOT NULL,
  attribute             VARCHAR      NOT NULL,
  old_value             VARCHAR,
  new_value             VARCHAR      NOT NULL,
  batch_id              BIGINT       NOT NULL
);
