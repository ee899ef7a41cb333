#!/bin/sh
# Run once by the postgres image on a new data directory (docker-entrypoint-initdb.d): the login
# role the stages use, a member of routeledger_writer. `routeledger migrate` creates its other
# roles and grants the tables to routeledger_writer; it leaves an existing role as it is.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set app_password="$ROUTELEDGER_APP_PASSWORD" <<'SQL'
CREATE ROLE routeledger_writer NOLOGIN;
CREATE ROLE routeledger_app LOGIN PASSWORD :'app_password' IN ROLE routeledger_writer;
SQL
