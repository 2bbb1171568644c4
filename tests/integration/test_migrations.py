from __future__ import annotations

import re

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from bulkreg.devstack import schema, where
from bulkreg.foundation.settings import get_settings
from persistence import migrate
from persistence.roles import OWNER_ROLE
from tests.support.servers import Servers

VERSIONS = migrate.MIGRATIONS / "versions"
TEST_DATABASE = "bulkreg_migration_test"
STALE = "persistence/schema.sql is not what the migrations build: run `make schema`"
EXPECTED_TABLES = {
    "organizations",
    "users",
    "activity_types",
    "activities",
    "bulk_jobs",
    "bulk_job_items",
    "anomalies",
    "audit_log",
    "sign_in_links",
    "user_roles",
    "alembic_version",
    "events",
    "webhooks",
    "webhook_deliveries",
    "webhook_attempts",
    "screen_sessions",
    "sign_in_requests",
    "emails",
}


def test_migrations_build_the_schema_from_an_empty_database_and_are_idempotent(
    servers: Servers,
) -> None:
    admin = create_engine(servers.superuser_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"drop database if exists {TEST_DATABASE}"))
        conn.execute(text(f"create database {TEST_DATABASE} owner {OWNER_ROLE}"))
    owner_url = servers.owner_url.replace("/bulkreg?", f"/{TEST_DATABASE}?")
    try:
        migrate.upgrade(owner_url)
        migrate.upgrade(owner_url)  # a second run changes nothing and does not fail
        check = create_engine(owner_url)
        with check.connect() as conn:
            version = conn.execute(text("select version_num from alembic_version")).scalar()
        check.dispose()
        assert public_tables(owner_url) == EXPECTED_TABLES
        assert (
            version
            == ScriptDirectory.from_config(migrate.alembic_config(owner_url)).get_current_head()
        )
        assert version == sorted(path.name[:4] for path in VERSIONS.glob("[0-9]*.py"))[-1]

        # persistence/schema.sql is what the migrations build (`make schema` rewrites it).
        pg = where.embedded_postgres(get_settings())
        assert schema.dump(pg, TEST_DATABASE) == schema.SCHEMA_FILE.read_text(), STALE

        # The migrations since 0006 step back (its foreign key returns) and forward again.
        command.downgrade(migrate.alembic_config(owner_url), "0006")
        assert duplicate_of_key(owner_url) == 1
        migrate.upgrade(owner_url)
        assert duplicate_of_key(owner_url) == 0

        # Every migration steps back, to an empty database, and forward to the same schema.
        command.downgrade(migrate.alembic_config(owner_url), "base")
        assert public_tables(owner_url) == {"alembic_version"}
        migrate.upgrade(owner_url)
        assert schema.dump(pg, TEST_DATABASE) == schema.SCHEMA_FILE.read_text(), STALE
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"drop database if exists {TEST_DATABASE} with (force)"))
        admin.dispose()


def test_each_tables_policies_sit_beside_it_in_the_schema_file() -> None:
    """persistence/schema.sql is grouped by table: each ``CREATE POLICY … ON <table>`` comes
    after that table's ``CREATE TABLE`` and before the next table's."""
    lines = schema.SCHEMA_FILE.read_text().splitlines()
    tables = [(n, m[1]) for n, line in enumerate(lines) if (m := CREATE_TABLE.match(line))]
    policies = [(n, m[1]) for n, line in enumerate(lines) if (m := CREATE_POLICY.match(line))]
    assert tables and policies
    section = {
        table: (start, end)
        for (start, table), (end, _) in zip(tables, [*tables[1:], (len(lines), "")], strict=True)
    }
    for n, table in policies:
        start, end = section[table]
        assert start < n < end, f"line {n + 1}: a policy on {table} outside its table's section"


CREATE_TABLE = re.compile(r"^CREATE TABLE (\S+) \(")
CREATE_POLICY = re.compile(r"^CREATE POLICY \S+ ON (\S+)")


def duplicate_of_key(owner_url: str) -> int:
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "select count(*) from pg_constraint "
                        "where conname = 'activities_duplicate_of_fkey'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def public_tables(owner_url: str) -> set[str]:
    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            return set(
                conn.execute(
                    text("select tablename from pg_tables where schemaname = 'public'")
                ).scalars()
            )
    finally:
        engine.dispose()
