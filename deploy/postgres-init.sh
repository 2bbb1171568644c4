#!/bin/sh
# Runs once, when the postgres container initializes its volume: the roles the migrations
# grant to. The owner (POSTGRES_USER) runs migrations; the app role is what api and worker
# use: not superuser, not owner, NOBYPASSRLS, NOINHERIT.
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$BULKREG_APP_PASSWORD" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
create role bulkreg_maintenance nologin nosuperuser nobypassrls;
create role bulkreg_app login noinherit nosuperuser nobypassrls nocreatedb nocreaterole
    password :'app_password';
grant bulkreg_maintenance to bulkreg_app with inherit false, set true;
SQL
