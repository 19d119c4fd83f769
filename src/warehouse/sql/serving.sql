-- Aggregates the dashboards read instead of the facts, rebuilt by the ETL for the days a batch touches
-- (src/warehouse/serving-aggregates.ts). Region and client type are those of the client version of each fact.
CREATE TABLE IF NOT EXISTS dwh.agg_daily_kpi (
  date_key        INTEGER        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  service_key     SMALLINT       NOT NULL,
  channel_key     SMALLINT       NOT NULL,
  tx_count        BIGINT         NOT NULL,
  success_count   BIGINT         NOT NULL,
  amount_success  DECIMAL(18, 2) NOT NULL,
  fee_total       DECIMAL(18, 2) NOT NULL,
  fraud_count     BIGINT         NOT NULL,
  fraud_amount    DECIMAL(18, 2) NOT NULL
);

-- The same sums per month, built from agg_daily_kpi: a long range reads its whole months here and only
-- its partial first and last months from agg_daily_kpi. date_key is the group's first day in the month.
CREATE TABLE IF NOT EXISTS dwh.agg_monthly_kpi (
  month_key       INTEGER        NOT NULL,
  date_key        INTEGER        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  service_key     SMALLINT       NOT NULL,
  channel_key     SMALLINT       NOT NULL,
  tx_count        BIGINT         NOT NULL,
  success_count   BIGINT         NOT NULL,
  amount_success  DECIMAL(18, 2) NOT NULL,
  fee_total       DECIMAL(18, 2) NOT NULL,
  fraud_count     BIGINT         NOT NULL,
  fraud_amount    DECIMAL(18, 2) NOT NULL
);

-- One row per client and (region, client type) it was active under: bit b of column w<n> is set when the
-- client had a transaction on day 62·(n − 1) + b of the calendar in agg_activity_calendar (62 bits per
-- BIGINT keep clear of the sign bit; 32 words hold 1,984 days, the calendar has 1,461). Distinct active
-- clients over any range are then a scan of one row per client with integer masks on plain columns, instead
-- of one row per client-day. It replaced agg_client_activity, whose days were a BIGINT[] (DuckDB reads a
-- list element at ~120 ns a row: 350 ms per word over the 2.83M rows of the full scale).
DROP TABLE IF EXISTS dwh.agg_client_activity;
CREATE TABLE IF NOT EXISTS dwh.agg_client_days (
  client_id       VARCHAR        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  registration_date DATE         NOT NULL,
  w01             BIGINT         NOT NULL DEFAULT 0,
  w02             BIGINT         NOT NULL DEFAULT 0,
  w03             BIGINT         NOT NULL DEFAULT 0,
  w04             BIGINT         NOT NULL DEFAULT 0,
  w05             BIGINT         NOT NULL DEFAULT 0,
  w06             BIGINT         NOT NULL DEFAULT 0,
  w07             BIGINT         NOT NULL DEFAULT 0,
  w08             BIGINT         NOT NULL DEFAULT 0,
  w09             BIGINT         NOT NULL DEFAULT 0,
  w10             BIGINT         NOT NULL DEFAULT 0,
  w11             BIGINT         NOT NULL DEFAULT 0,
  w12             BIGINT         NOT NULL DEFAULT 0,
  w13             BIGINT         NOT NULL DEFAULT 0,
  w14             BIGINT         NOT NULL DEFAULT 0,
  w15             BIGINT         NOT NULL DEFAULT 0,
  w16             BIGINT         NOT NULL DEFAULT 0,
  w17             BIGINT         NOT NULL DEFAULT 0,
  w18             BIGINT         NOT NULL DEFAULT 0,
  w19             BIGINT         NOT NULL DEFAULT 0,
  w20             BIGINT         NOT NULL DEFAULT 0,
  w21             BIGINT         NOT NULL DEFAULT 0,
  w22             BIGINT         NOT NULL DEFAULT 0,
  w23             BIGINT         NOT NULL DEFAULT 0,
  w24             BIGINT         NOT NULL DEFAULT 0,
  w25             BIGINT         NOT NULL DEFAULT 0,
  w26             BIGINT         NOT NULL DEFAULT 0,
  w27             BIGINT         NOT NULL DEFAULT 0,
  w28             BIGINT         NOT NULL DEFAULT 0,
  w29             BIGINT         NOT NULL DEFAULT 0,
  w30             BIGINT         NOT NULL DEFAULT 0,
  w31             BIGINT         NOT NULL DEFAULT 0,
  w32             BIGINT         NOT NULL DEFAULT 0,
  -- The months the client was active under this row, bit m for the calendar's month m (its first is 0; 63 at
  -- most): a range's whole months are one test of this column instead of up to a word per 62 days (full scale,
  -- a year and the year before: 90-120 against 230-360 CPU ms). NULL in rows written before it existed, which
  -- momo init writes again.
  months          BIGINT,
  -- The months the client was active under this row through each channel (bits as months): active clients
  -- under a channel filter. NULL in rows written before they existed, which momo init writes again.
  ussd_months      BIGINT,
  app_months       BIGINT,
  web_months       BIGINT,
  api_months       BIGINT,
  agent_pos_months BIGINT,
  -- Whether the client has other rows here (it changed region or type): only those need COUNT(DISTINCT).
  has_other_rows  BOOLEAN        NOT NULL
);
ALTER TABLE dwh.agg_client_days ADD COLUMN IF NOT EXISTS months BIGINT;
ALTER TABLE dwh.agg_client_days ADD COLUMN IF NOT EXISTS ussd_months BIGINT;
ALTER TABLE dwh.agg_client_days ADD COLUMN IF NOT EXISTS app_months BIGINT;
ALTER TABLE dwh.agg_client_days ADD COLUMN IF NOT EXISTS web_months BIGINT;
ALTER TABLE dwh.agg_client_days ADD COLUMN IF NOT EXISTS api_months BIGINT;
ALTER TABLE dwh.agg_client_days ADD COLUMN IF NOT EXISTS agent_pos_months BIGINT;

-- One row per month, client and (region, client type) it was active under, with the client's totals over the
-- whole month (all its rows): the top-clients ranking reads each month's rows in order of these totals and
-- stops once no client left unread can reach its list (src/serve/queries/top-clients.ts). The row's active
-- days of the month (bit d − 1 for day d) are what agg_client_days is folded from, without a second pass
-- over the daily summary; the registration date is the client's (earliest of its versions), for the cohorts.
CREATE TABLE IF NOT EXISTS dwh.agg_client_monthly (
  month_key          INTEGER        NOT NULL,
  client_id          VARCHAR        NOT NULL,
  country_code       VARCHAR(2)     NOT NULL,
  region_name        VARCHAR        NOT NULL,
  client_type        VARCHAR        NOT NULL,
  registration_date  DATE           NOT NULL,
  active_days        BIGINT         NOT NULL,
  month_transactions BIGINT         NOT NULL,
  month_value        DECIMAL(18, 2) NOT NULL,
  month_fees         DECIMAL(18, 2) NOT NULL,
  -- Whether the client has other rows in the month (it changed region or type in it).
  has_other_rows     BOOLEAN        NOT NULL,
  -- The row's active days through each channel (bits as active_days): the cohorts under a channel filter.
  ussd_days          BIGINT NOT NULL,
  app_days           BIGINT NOT NULL,
  web_days           BIGINT NOT NULL,
  api_days           BIGINT NOT NULL,
  agent_pos_days     BIGINT NOT NULL
);
-- Warehouses built before these columns: momo init rebuilds the aggregates (agg_cohort_monthly is empty).
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS registration_date DATE;
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS active_days BIGINT;
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS has_other_rows BOOLEAN;
-- Rows written before the channel days have them NULL: backfillServingAggregates rebuilds the aggregates.
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS ussd_days BIGINT;
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS app_days BIGINT;
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS web_days BIGINT;
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS api_days BIGINT;
ALTER TABLE dwh.agg_client_monthly ADD COLUMN IF NOT EXISTS agent_pos_days BIGINT;

-- Distinct active clients per month and registration month, for each combination of the client filters:
-- a NULL country, region or client type stands for all of them (GROUPING SETS). The cohort chart reads its
-- whole months here and only its partial first and last months from agg_client_days.
CREATE TABLE IF NOT EXISTS dwh.agg_cohort_monthly (
  month_key          INTEGER        NOT NULL,
  registration_month INTEGER        NOT NULL, -- 0: registered before the calendar's first month
  country_code       VARCHAR(2),
  region_name        VARCHAR,
  client_type        VARCHAR,
  clients            BIGINT         NOT NULL
);

-- The current clients per registration month, region and client type: the sizes of the cohort chart, which
-- reads the last month's registrations up to its end date from dim_client (a scan of its 4.3M versions took
-- 1-2.7 s on PostgreSQL at full scale). Rebuilt whole by each ETL batch.
CREATE TABLE IF NOT EXISTS dwh.agg_client_registrations (
  registration_month INTEGER        NOT NULL,
  country_code       VARCHAR(2)     NOT NULL,
  region_name        VARCHAR        NOT NULL,
  client_type        VARCHAR        NOT NULL,
  clients            BIGINT         NOT NULL
);

CREATE TABLE IF NOT EXISTS dwh.agg_activity_calendar (
  first_date_key  INTEGER        NOT NULL,
  days            INTEGER        NOT NULL CHECK (days > 0)
);

-- Client segments summed per as-of date, segment and the (region, client type) of the segmented client
-- version, written by `momo segment`: the segment sizes the client page shows.
CREATE TABLE IF NOT EXISTS dwh.agg_segment_summary (
  as_of_date      DATE           NOT NULL,
  segment_id      SMALLINT       NOT NULL,
  segment_name    VARCHAR        NOT NULL,
  model_version   INTEGER        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  clients         BIGINT         NOT NULL,
  monetary        DECIMAL(18, 2) NOT NULL,
  frequency_total BIGINT         NOT NULL,
  recency_total   BIGINT         NOT NULL
);

-- Clients per (segment at from_date, segment at to_date) for the two latest as-of dates, per the (region,
-- client type) of the later version; "(new)" and "(gone)" for clients segmented on one date only.
CREATE TABLE IF NOT EXISTS dwh.agg_segment_migration (
  from_date       DATE           NOT NULL,
  to_date         DATE           NOT NULL,
  from_segment    VARCHAR        NOT NULL,
  to_segment      VARCHAR        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  clients         BIGINT         NOT NULL
);

-- Fraud scores counted per model version, day, (region, client type) of the scored client version, service,
-- channel and score bin (0.05 wide), written by `momo ml score`: the fraud page's score distribution and alert
-- counts under every filter but a segment. Rows with a NULL service and channel hold the counts of all
-- services and channels, which the pages read without a service or channel filter (a quarter as many rows).
CREATE TABLE IF NOT EXISTS dwh.agg_daily_scores (
  model_version   INTEGER        NOT NULL,
  date_key        INTEGER        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  service_key     SMALLINT,
  channel_key     SMALLINT,
  score_bin       SMALLINT       NOT NULL,
  scored          BIGINT         NOT NULL,
  alerts          BIGINT         NOT NULL
);
-- Warehouses scored before these columns hold the rows of all services and channels only: momo init adds the
-- others.
ALTER TABLE dwh.agg_daily_scores ADD COLUMN IF NOT EXISTS service_key SMALLINT;
ALTER TABLE dwh.agg_daily_scores ADD COLUMN IF NOT EXISTS channel_key SMALLINT;

-- The same counts per month, built from agg_daily_scores: a long range reads its whole months here and only
-- its partial first and last months from agg_daily_scores. date_key is the group's first day in the month.
CREATE TABLE IF NOT EXISTS dwh.agg_monthly_scores (
  model_version   INTEGER        NOT NULL,
  month_key       INTEGER        NOT NULL,
  date_key        INTEGER        NOT NULL,
  country_code    VARCHAR(2)     NOT NULL,
  region_name     VARCHAR        NOT NULL,
  client_type     VARCHAR        NOT NULL,
  service_key     SMALLINT,
  channel_key     SMALLINT,
  score_bin       SMALLINT       NOT NULL,
  scored          BIGINT         NOT NULL,
  alerts          BIGINT         NOT NULL
);
