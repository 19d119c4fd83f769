-- SCD Type 2: one row per version of a client; a new version opens whenever a tracked attribute changes.
-- (client_id, version) is unique: enforced by an index on PostgreSQL (indexes.postgres.sql); DuckDB's unique
-- indexes refuse a key deleted and re-inserted in one transaction, which renumbering versions needs.
CREATE TABLE IF NOT EXISTS dwh.dim_client (
  -- keys
  client_key            BIGINT       NOT NULL PRIMARY KEY,
  client_id             VARCHAR      NOT NULL,
  version               INTEGER      NOT NULL CHECK (version >= 1),
  -- attributes (tracked: a change opens a new version)
  client_name           VARCHAR      NOT NULL,
  client_type           VARCHAR      NOT NULL,
  sector                VARCHAR      NOT NULL,
  size_band             VARCHAR      NOT NULL CHECK (size_band IN ('micro', 'small', 'medium', 'large')),
  tier                  VARCHAR      NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
  kyc_level             SMALLINT     NOT NULL CHECK (kyc_level BETWEEN 1 AND 3),
  geography_key         INTEGER      NOT NULL,
  parent_client_id      VARCHAR,
  registration_date     DATE         NOT NULL,
  status                VARCHAR      NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
  -- versioning
  valid_from            TIMESTAMP    NOT NULL,
  valid_to              TIMESTAMP    NOT NULL DEFAULT TIMESTAMP '9999-12-31 00:00:00',
  is_current            BOOLEAN      NOT NULL,
  change_reason         VARCHAR      NOT NULL,
  -- lineage
  batch_id              BIGINT,
  CHECK (valid_from < valid_to)
);
