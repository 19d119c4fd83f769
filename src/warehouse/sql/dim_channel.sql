CREATE TABLE IF NOT EXISTS dwh.dim_channel (
  -- keys
  channel_key           SMALLINT     NOT NULL PRIMARY KEY,
  channel_code          VARCHAR      NOT NULL UNIQUE,
  -- attributes
  channel_name_fr       VARCHAR      NOT NULL,
  channel_name_en       VARCHAR      NOT NULL,
  channel_type          VARCHAR      NOT NULL CHECK (channel_type IN ('self_service', 'assisted', 'integration')),
  is_internet_based     BOOLEAN      NOT NULL,
  requires_smartphone   BOOLEAN      NOT NULL
);
