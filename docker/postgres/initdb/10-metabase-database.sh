#!/bin/sh
# First start of the PostgreSQL volume only: the database Metabase keeps its own settings in, beside the
# warehouse database (POSTGRES_DB), which `momo init` fills from the app container.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="${METABASE_DB:-metabase}" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
