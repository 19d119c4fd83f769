-- DuckDB only: the current clients as the client search reads them, rebuilt whole by each ETL batch. Their lower-case
-- names are stored uncompressed: a scan of the 3M names of the full scale for a part of a name took 36-45 ms, against
-- 160-170 ms FSST-compressed and 220-235 ms for LOWER() of dim_client's names (PostgreSQL has a trigram index).
CREATE TABLE IF NOT EXISTS dwh.agg_client_search (
  client_id    VARCHAR NOT NULL,
  search_name  VARCHAR USING COMPRESSION uncompressed NOT NULL,
  client_name  VARCHAR NOT NULL,
  client_type  VARCHAR NOT NULL,
  region_name  VARCHAR NOT NULL
);

COMMENT ON TABLE dwh.agg_client_search IS 'Dashboard aggregate (DuckDB): the current clients with their lower-case names, for the client search, in client_id order; rebuilt by each ETL batch.';
COMMENT ON COLUMN dwh.agg_client_search.client_id IS 'Business key of the client (dim_client.client_id).';
COMMENT ON COLUMN dwh.agg_client_search.search_name IS 'LOWER(client_name), stored uncompressed so that a search scans it fast.';
COMMENT ON COLUMN dwh.agg_client_search.client_name IS 'Name of the client''s current version.';
COMMENT ON COLUMN dwh.agg_client_search.client_type IS 'Client type of the client''s current version.';
COMMENT ON COLUMN dwh.agg_client_search.region_name IS 'Region of the client''s current version.';
