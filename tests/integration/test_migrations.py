from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from persistence import migrate
from persistence.roles import OWNER_ROLE
from tests.integration.conftest import Servers

VERSIONS = migrate.MIGRATIONS / "versions"
EXPECTED_TABLES = {
    "organizations", "users", "activity_types", "activities", "bulk_jobs", "bulk_job_items",
    "anomalies", "audit_log", "alembic_version",
}  # fmt: skip


def test_migrations_build_the_schema_from_an_empty_database_and_are_idempotent(
    servers: Servers,
) -> None:
    admin = create_engine(servers.superuser_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("drop database if exists bulkreg_migration_test"))
        conn.execute(text(f"create database bulkreg_migration_test owner {OWNER_ROLE}"))
    owner_url = servers.owner_url.replace("/bulkreg?", "/bulkreg_migration_test?")
    try:
        migrate.upgrade(owner_url)
        migrate.upgrade(owner_url)  # a second run changes nothing and does not fail
        check = create_engine(owner_url)
        with check.connect() as conn:
            tables = set(
                conn.execute(
                    text("select tablename from pg_tables where schemaname = 'public'")
                ).scalars()
            )
            version = conn.execute(text("select version_num from alembic_version")).scalar()
        check.dispose()
        assert tables == EXPECTED_TABLES
        assert (
            version
            == ScriptDirectory.from_config(migrate.alembic_config(owner_url)).get_current_head()
        )
        assert version == sorted(path.name[:4] for path in VERSIONS.glob("[0-9]*.py"))[-1]

        # The last migration steps back (its foreign key returns) and forward again.
        command.downgrade(migrate.alembic_config(owner_url), "0006")
        assert duplicate_of_key(owner_url) == 1
        migrate.upgrade(owner_url)
        assert duplicate_of_key(owner_url) == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text("drop database if exists bulkreg_migration_test with (force)"))
        admin.dispose()


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
