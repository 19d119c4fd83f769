CREATE SCHEMA IF NOT EXISTS dwh;
-- The ETL's scratch tables, created and dropped inside each batch's transaction: empty between batches.
CREATE SCHEMA IF NOT EXISTS dwh_stage;

CREATE SEQUENCE IF NOT EXISTS dwh.seq_transaction_key START 1;
