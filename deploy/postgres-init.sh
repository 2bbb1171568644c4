#!/bin/sh
# Runs once, when the postgres container initializes its volume, as the superuser: the
# roles the migrations grant to, each with its own password, and the database handed to
# its owner. Passwords come from the environment and reach psql as variables, never as
# arguments.
#   bulkreg_owner        owns the schema, runs migrations; not a superuser
#   bulkreg_app          no login: what the API and the workers share
#   bulkreg_api          the API's login; cannot become maintenance
#   bulkreg_worker       the workers' login; alone may SET ROLE bulkreg_maintenance
#   bulkreg_maintenance  no login: the sweeper's, reconciler's and claims' identity
set -eu
psql -v ON_ERROR_STOP=1 \
     -v owner_password="$BULKREG_OWNER_PASSWORD" \
     -v api_password="$BULKREG_API_PASSWORD" \
     -v worker_password="$BULKREG_WORKER_PASSWORD" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
create role bulkreg_owner login nosuperuser nobypassrls nocreatedb nocreaterole
    password :'owner_password';
create role bulkreg_maintenance nologin nosuperuser nobypassrls;
create role bulkreg_app nologin noinherit nosuperuser nobypassrls;
create role bulkreg_api login inherit nosuperuser nobypassrls nocreatedb nocreaterole
    password :'api_password';
create role bulkreg_worker login inherit nosuperuser nobypassrls nocreatedb nocreaterole
    password :'worker_password';
grant bulkreg_app to bulkreg_api, bulkreg_worker with inherit true, set false;
grant bulkreg_maintenance to bulkreg_worker with inherit false, set true;
alter database bulkreg owner to bulkreg_owner;
alter schema public owner to pg_database_owner;
SQL
