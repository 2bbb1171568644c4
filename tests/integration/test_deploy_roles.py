"""compose.yaml's database roles, made for real: ``deploy/postgres-init.sh`` run as the
postgres image runs it (superuser, fresh cluster, ``POSTGRES_DB`` already there) against a
cluster of its own, then the migrations, then each role tried."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg.errors import InsufficientPrivilege

from bulkreg.devstack.postgres import EmbeddedPostgres, pg_commands
from persistence import migrate
from persistence.database import libpq_url
from persistence.roles import MAINTENANCE_ROLE

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"owner": "owner-pw-1", "api": "api-pw-2", "worker": "worker-pw-3"}


def test_the_compose_init_script_makes_the_roles_the_migrations_grant_to(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "deploy")
    with pg.server():
        with psycopg.connect(libpq_url(pg.urls.superuser), autocommit=True) as conn:
            conn.execute("create database bulkreg")  # what POSTGRES_DB does before the script
        env = {
            "PATH": f"{pg_commands.POSTGRES_BIN_PATH}:/usr/bin:/bin",
            "PGHOST": str(pg.socket_dir),
            "PGPASSWORD": pg.password("postgres"),
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": "bulkreg",
            **{f"BULKREG_{role.upper()}_PASSWORD": pw for role, pw in PASSWORDS.items()},
        }
        done = subprocess.run(
            ["sh", str(ROOT / "deploy" / "postgres-init.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr

        def url(role: str) -> str:
            return f"postgresql://bulkreg_{role}:{PASSWORDS[role]}@/bulkreg?host={pg.socket_dir}"

        migrate.upgrade(url("owner").replace("postgresql://", "postgresql+psycopg://"))
        with psycopg.connect(url("api")) as api:
            assert api.execute("select current_user").fetchone() == ("bulkreg_api",)
            with pytest.raises(InsufficientPrivilege):
                api.execute(f"set role {MAINTENANCE_ROLE}")
        with psycopg.connect(url("worker")) as worker:
            worker.execute(f"set role {MAINTENANCE_ROLE}")
            assert worker.execute("select count(*) from bulk_jobs").fetchone() == (0,)
        with psycopg.connect(url("owner")) as owner:
            assert owner.execute(
                "select rolsuper from pg_roles where rolname = current_user"
            ).fetchone() == (False,)
    assert not os.path.exists(pg.socket_dir / ".s.PGSQL.5432")
