"""Database role and database names shared by the embedded bootstrap, migrations and tests."""

OWNER_ROLE = "bulkreg_owner"  # owns the schema, runs migrations
APP_ROLE = "bulkreg_app"  # API and workers: not owner, NOBYPASSRLS, NOINHERIT
MAINTENANCE_ROLE = "bulkreg_maintenance"  # reconcile/sweep, reached only by SET LOCAL ROLE
DATABASE = "bulkreg"
