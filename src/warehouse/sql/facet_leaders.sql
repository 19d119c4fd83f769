-- Each month's leading clients through each channel (service_key 0) and in each service (channel_key 0): the
-- first 1,000 by value, by transactions and by fees, with their month's totals there and their rank in each order.
-- Top clients under a channel or service filter read them instead of ranking every client's transactions: a
-- client left out of a month has at most the 1,000th total of that month there.
CREATE TABLE IF NOT EXISTS dwh.agg_facet_leaders (
  month_key          INTEGER        NOT NULL,
  channel_key        SMALLINT       NOT NULL,
  service_key        SMALLINT       NOT NULL,
  client_id          VARCHAR        NOT NULL,
  transactions       BIGINT         NOT NULL,
  value              DECIMAL(18, 2) NOT NULL,
  fees               DECIMAL(18, 2) NOT NULL,
  value_rank         INTEGER        NOT NULL,
  transactions_rank  INTEGER        NOT NULL,
  fees_rank          INTEGER        NOT NULL
);

COMMENT ON TABLE dwh.agg_facet_leaders IS 'Dashboard aggregate: each month''s first 1,000 clients through each channel and in each service by value, transactions and fees, for the top clients under a channel or service filter.';
COMMENT ON COLUMN dwh.agg_facet_leaders.month_key IS 'Month, YYYYMM.';
COMMENT ON COLUMN dwh.agg_facet_leaders.channel_key IS 'The channel (dim_channel.channel_key) the totals are of; 0 for a service''s.';
COMMENT ON COLUMN dwh.agg_facet_leaders.service_key IS 'The service (dim_service.service_key) the totals are of; 0 for a channel''s.';
COMMENT ON COLUMN dwh.agg_facet_leaders.client_id IS 'Business key of the client (dim_client.client_id).';
COMMENT ON COLUMN dwh.agg_facet_leaders.transactions IS 'The client''s transactions of the month through that channel or in that service.';
COMMENT ON COLUMN dwh.agg_facet_leaders.value IS 'Amount of those that succeeded.';
COMMENT ON COLUMN dwh.agg_facet_leaders.fees IS 'Fees of those that succeeded.';
COMMENT ON COLUMN dwh.agg_facet_leaders.value_rank IS 'The client''s rank by value among the month''s clients of that channel or service, from 1, ties by client id; exact up to 1,000, only known to be above it past that.';
COMMENT ON COLUMN dwh.agg_facet_leaders.transactions_rank IS 'The same by transactions.';
COMMENT ON COLUMN dwh.agg_facet_leaders.fees_rank IS 'The same by fees.';
