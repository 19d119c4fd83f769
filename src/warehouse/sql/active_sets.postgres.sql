-- PostgreSQL only: the clients active in each day and month as bit strings, per (region, client type) and per
-- channel or service, written by the ETL (src/warehouse/active-sets.ts). Distinct active clients over a range
-- are then the OR of a few dozen bit strings per group and a count of their bits, instead of a scan of one
-- activity row per client (agg_client_days: 1.05 GB at full scale, 0.6-0.9 s of CPU before any filter).

-- The (region, client type) groups of dwh.agg_client_days; `members` clients have rows under this group alone.
CREATE TABLE IF NOT EXISTS dwh.agg_active_groups (
  group_id      INTEGER  NOT NULL PRIMARY KEY,
  country_code  VARCHAR(2) NOT NULL,
  region_name   VARCHAR  NOT NULL,
  client_type   VARCHAR  NOT NULL,
  members       INTEGER  NOT NULL
);

-- Each client's place in the bit strings: `bit` in its group's when all its activity is under one group, else
-- `shared_id` (a number of its own) in the shared lists. Bits follow the registration date within a group.
CREATE TABLE IF NOT EXISTS dwh.agg_active_members (
  client_id     VARCHAR  NOT NULL PRIMARY KEY,
  group_id      INTEGER,
  bit           INTEGER,
  shared_id     INTEGER,
  registration_date DATE NOT NULL,
  CHECK ((group_id IS NULL) = (bit IS NULL) AND (bit IS NULL) <> (shared_id IS NULL))
);

-- Where each registration month's members are in a group's strings: bits first_bit … first_bit + members − 1.
CREATE TABLE IF NOT EXISTS dwh.agg_active_cohorts (
  group_id            INTEGER NOT NULL,
  registration_month  INTEGER NOT NULL,
  first_bit           INTEGER NOT NULL,
  members             INTEGER NOT NULL,
  PRIMARY KEY (group_id, registration_month)
);
-- The shared clients' registration dates, for the cohorts.
CREATE INDEX IF NOT EXISTS ix_agg_active_members_shared ON dwh.agg_active_members (shared_id) WHERE shared_id IS NOT NULL;

-- The clients of a group with a transaction in a period (a day YYYYMMDD or a month YYYYMM) through a channel
-- (0: any) and a service (0: any), never both: `clients` has the group's members at their bits (NULL when
-- none), `shared` the shared clients' ids (NULL when none).
CREATE TABLE IF NOT EXISTS dwh.agg_active_sets (
  channel_key   SMALLINT NOT NULL,
  service_key   SMALLINT NOT NULL,
  period_key    INTEGER  NOT NULL,
  group_id      INTEGER  NOT NULL,
  clients       BIT VARYING,
  shared        INTEGER[],
  PRIMARY KEY (channel_key, service_key, period_key, group_id),
  CHECK (channel_key = 0 OR service_key = 0)
);

COMMENT ON TABLE dwh.agg_active_groups IS 'Dashboard aggregate (PostgreSQL): the (region, client type) groups of the active-client bit strings, with how many clients have a bit in each.';
COMMENT ON TABLE dwh.agg_active_members IS 'Dashboard aggregate (PostgreSQL): each active client''s bit in its group''s bit strings, or its shared id when it was active under several groups.';
COMMENT ON TABLE dwh.agg_active_sets IS 'Dashboard aggregate (PostgreSQL): the clients active per day and month, group, channel or service, as bit strings (distinct active clients without scanning a row per client).';
COMMENT ON COLUMN dwh.agg_active_groups.group_id IS 'The group''s number, from 1 in order of country, region and client type.';
COMMENT ON COLUMN dwh.agg_active_groups.country_code IS 'ISO country code of the group.';
COMMENT ON COLUMN dwh.agg_active_groups.region_name IS 'Region of the group, within its country.';
COMMENT ON COLUMN dwh.agg_active_groups.client_type IS 'Client type of the group.';
COMMENT ON COLUMN dwh.agg_active_groups.members IS 'Clients active under this group alone: the length of its bit strings.';
COMMENT ON COLUMN dwh.agg_active_members.client_id IS 'Business key of the client (dim_client.client_id).';
COMMENT ON COLUMN dwh.agg_active_members.group_id IS 'The one group the client was active under; NULL for a shared client.';
COMMENT ON COLUMN dwh.agg_active_members.bit IS 'The client''s bit (from 0, leftmost) in its group''s bit strings; NULL for a shared client.';
COMMENT ON COLUMN dwh.agg_active_members.shared_id IS 'The client''s number in agg_active_sets.shared when it was active under several groups; else NULL.';
COMMENT ON COLUMN dwh.agg_active_members.registration_date IS 'The client''s registration date (its earliest version''s).';
COMMENT ON TABLE dwh.agg_active_cohorts IS 'Dashboard aggregate (PostgreSQL): the bits of each registration month''s clients in a group''s active-client bit strings, for the cohorts.';
COMMENT ON COLUMN dwh.agg_active_cohorts.group_id IS 'The (region, client type) group (agg_active_groups.group_id).';
COMMENT ON COLUMN dwh.agg_active_cohorts.registration_month IS 'The month (YYYYMM) the clients registered in.';
COMMENT ON COLUMN dwh.agg_active_cohorts.first_bit IS 'The bit of the first of them (from 0, leftmost); the others follow.';
COMMENT ON COLUMN dwh.agg_active_cohorts.members IS 'How many of the group''s members registered in that month.';
COMMENT ON COLUMN dwh.agg_active_sets.channel_key IS 'The channel (dim_channel.channel_key) the clients were active through; 0 for any.';
COMMENT ON COLUMN dwh.agg_active_sets.service_key IS 'The service (dim_service.service_key) the clients were active in; 0 for any.';
COMMENT ON COLUMN dwh.agg_active_sets.group_id IS 'The (region, client type) group (agg_active_groups.group_id).';
COMMENT ON COLUMN dwh.agg_active_sets.period_key IS 'A day (YYYYMMDD) or a whole month (YYYYMM).';
COMMENT ON COLUMN dwh.agg_active_sets.clients IS 'Bit b (from the left) set when the group''s member at bit b was active; NULL when none was.';
COMMENT ON COLUMN dwh.agg_active_sets.shared IS 'Shared ids of the clients active under this group and under others; NULL when none.';
