-- PostgreSQL: SQL functions, IMMUTABLE so the planner inlines them. Same names and results as functions.duckdb.sql.
CREATE OR REPLACE FUNCTION dwh.date_to_key(d date) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (EXTRACT(year FROM d) * 10000 + EXTRACT(month FROM d) * 100 + EXTRACT(day FROM d))::integer $$;

CREATE OR REPLACE FUNCTION dwh.key_to_date(k integer) RETURNS date
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT make_date(k / 10000, k / 100 % 100, k % 100) $$;

CREATE OR REPLACE FUNCTION dwh.time_to_key(ts timestamp) RETURNS smallint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (EXTRACT(hour FROM ts) * 100 + EXTRACT(minute FROM ts))::smallint $$;

CREATE OR REPLACE FUNCTION dwh.days_between(a date, b date) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT b - a $$;

CREATE OR REPLACE FUNCTION dwh.safe_ratio(numerator numeric, denominator numeric) RETURNS numeric(24, 6)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (numerator::double precision / NULLIF(denominator, 0))::numeric(24, 6) $$;

-- Creates the month's partition of a month-partitioned table (fact_transactions, fact_daily_client_summary)
-- if it is missing; returns its name, e.g. fact_transactions_202403.
CREATE OR REPLACE FUNCTION dwh.ensure_month_partition(parent text, month_start date) RETURNS text
  LANGUAGE plpgsql
  AS $$
DECLARE
  first_day date := date_trunc('month', month_start)::date;
  partition_name text := format('%s_%s', parent, to_char(first_day, 'YYYYMM'));
BEGIN
  IF to_regclass(format('dwh.%I', partition_name)) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE dwh.%I PARTITION OF dwh.%I FOR VALUES FROM (%s) TO (%s)',
      partition_name, parent, dwh.date_to_key(first_day), dwh.date_to_key((first_day + interval '1 month')::date));
  END IF;
  RETURN partition_name;
END
$$;
