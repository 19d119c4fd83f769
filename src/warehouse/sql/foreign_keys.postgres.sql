-- PostgreSQL only: enforced foreign keys of the star, so Metabase, Power BI and pgAdmin see the joins.
-- (DuckDB forbids updating a row that a foreign key references, which SCD Type 2 needs; there the ETL
-- checks references and the contract tests prove them.)
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN
    SELECT * FROM (VALUES
      ('dim_client',                'fk_dim_client_geography',      'geography_key',           'dim_geography (geography_key)'),
      ('fact_transactions',         'fk_fact_tx_date',              'date_key',                'dim_date (date_key)'),
      ('fact_transactions',         'fk_fact_tx_time',              'time_key',                'dim_time (time_key)'),
      ('fact_transactions',         'fk_fact_tx_client',            'client_key',              'dim_client (client_key)'),
      ('fact_transactions',         'fk_fact_tx_counterparty',      'counterparty_client_key', 'dim_client (client_key)'),
      ('fact_transactions',         'fk_fact_tx_service',           'service_key',             'dim_service (service_key)'),
      ('fact_transactions',         'fk_fact_tx_channel',           'channel_key',             'dim_channel (channel_key)'),
      ('fact_transactions',         'fk_fact_tx_status',            'status_key',              'dim_transaction_status (status_key)'),
      ('fact_transactions',         'fk_fact_tx_geography',         'geography_key',           'dim_geography (geography_key)'),
      ('fact_daily_client_summary', 'fk_fact_daily_date',           'date_key',                'dim_date (date_key)'),
      ('fact_daily_client_summary', 'fk_fact_daily_client',         'client_key',              'dim_client (client_key)'),
      ('fact_daily_client_summary', 'fk_fact_daily_geography',      'geography_key',           'dim_geography (geography_key)')
    ) AS t(table_name, constraint_name, column_name, target)
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_constraint
       WHERE conname = fk.constraint_name AND conrelid = format('dwh.%I', fk.table_name)::regclass
    ) THEN
      EXECUTE format('ALTER TABLE dwh.%I ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES dwh.%s',
                     fk.table_name, fk.constraint_name, fk.column_name, fk.target);
    END IF;
  END LOOP;
END
$$;
