"""``persistence/schema.sql``: the schema the migrations build, in one file a reader can open.

The migrations are the history; this file is the present (as Rails keeps ``structure.sql``):
every table, index, policy, function and grant of a database migrated to head, as
``pg_dump --schema-only`` prints them, regrouped so that each table is followed by its
indexes, triggers, policies and grants, and the functions come after the tables, grouped by
what they serve (:mod:`bulkreg.devstack.schema_layout` says how, and why that way). The
statements are pg_dump's own, unchanged; only their order is. It is for reading, not for
restoring: a policy precedes the function it calls.

``make schema`` writes it from a throwaway embedded server; a test dumps a freshly migrated
test database the same way and fails when the two texts disagree.

    python -m bulkreg.devstack.schema          # rewrite persistence/schema.sql
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from bulkreg.devstack.postgres import SUPERUSER, EmbeddedPostgres, pg_binary
from bulkreg.devstack.schema_layout import regroup
from persistence import migrate
from persistence.roles import DATABASE

SCHEMA_FILE = Path(migrate.MIGRATIONS).parent / "schema.sql"
HEADER = (
    "-- The schema the migrations build, written by `make schema` (bulkreg.devstack.schema).\n"
    "-- Do not edit: change a migration, then run `make schema`; a test compares the two.\n"
    "-- Grouped by table (each with its indexes, triggers, policies and grants), then the\n"
    "-- functions by what they serve. For reading, not restoring: pg_dump a migrated database\n"
    "-- for a script in restore order.\n"
)


def dump(pg: EmbeddedPostgres, database: str = DATABASE) -> str:
    """The schema of one of the running server's databases, grouped by table, without the lines
    that change from one run or one PostgreSQL build to the next."""
    argv = [
        str(pg_binary("pg_dump")),
        "--schema-only",
        "--restrict-key=bulkreg",  # PostgreSQL 18 otherwise draws a random one per dump
        "--host", str(pg.socket_dir),
        "--username", SUPERUSER,
        "--dbname", database,
    ]  # fmt: skip
    done = subprocess.run(
        argv,
        env={**os.environ, "PGPASSWORD": pg.password(SUPERUSER)},  # never on a command line
        check=True,
        capture_output=True,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if not line.startswith("-- Dumped ")]
    return HEADER + regroup("\n".join(lines) + "\n").strip() + "\n"


def write(path: Path = SCHEMA_FILE) -> None:
    with tempfile.TemporaryDirectory(prefix="bulkreg-schema-") as data_dir:
        pg = EmbeddedPostgres(Path(data_dir))
        with pg.server():
            pg.bootstrap()
            migrate.upgrade(pg.urls.owner)
            text = dump(pg)
    path.write_text(text)


if __name__ == "__main__":
    write()
    print(f"wrote {SCHEMA_FILE}")
