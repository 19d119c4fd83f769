CREATE TABLE IF NOT EXISTS dwh.dim_transaction_status (
  -- keys
  status_key            SMALLINT     NOT NULL PRIMARY KEY,
  status_code           VARCHAR      NOT NULL UNIQUE,
  -- attributes
  status_name_fr        VARCHAR      NOT NULL,
  status_name_en        VARCHAR      NOT NULL,
  status_group          VARCHAR      NOT NULL
                        CHECK (status_group IN ('success', 'failed', 'reversed', 'pending', 'cancelled', 'blocked')),
  failure_cause         VARCHAR,
  is_final              BOOLEAN      NOT NULL,
  is_success            BOOLEAN      NOT NULL
);
