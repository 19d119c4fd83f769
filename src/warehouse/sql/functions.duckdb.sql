-- DuckDB: macros, expanded inline at each call. Same names and results as functions.postgres.sql.
CREATE OR REPLACE MACRO dwh.date_to_key(d) AS
  CAST(year(d) * 10000 + month(d) * 100 + day(d) AS INTEGER);

CREATE OR REPLACE MACRO dwh.key_to_date(k) AS
  make_date(CAST(k // 10000 AS BIGINT), CAST(k // 100 % 100 AS BIGINT), CAST(k % 100 AS BIGINT));

CREATE OR REPLACE MACRO dwh.time_to_key(ts) AS
  CAST(hour(ts) * 100 + minute(ts) AS SMALLINT);

CREATE OR REPLACE MACRO dwh.days_between(a, b) AS
  CAST(date_diff('day', CAST(a AS DATE), CAST(b AS DATE)) AS INTEGER);

CREATE OR REPLACE MACRO dwh.safe_ratio(numerator, denominator) AS
  CAST(CAST(numerator AS DOUBLE PRECISION) / NULLIF(denominator, 0) AS DECIMAL(24, 6));
