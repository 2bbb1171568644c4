"""Real servers for the integration tests: an embedded PostgreSQL and a Redis, started once
per session and stopped at its end, plus factories for isolated organizations."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import psutil
import pytest
from sqlalchemy import Engine, text

from bulkreg.devstack import where
from bulkreg.settings import get_settings
from domain.model import Principal, Role
from persistence import migrate
from persistence.database import make_engine
from persistence.uow import SqlUnitsOfWork


@dataclass
class Servers:
    api_url: str
    worker_url: str
    owner_url: str
    superuser_url: str
    broker_url: str
    data_dir: Path


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    settings = get_settings()
    pg = where.embedded_postgres(settings)
    redis = where.embedded_redis(settings)
    with pg.server(), redis.server():
        pg.bootstrap()
        migrate.upgrade(pg.urls.owner)
        urls = pg.urls
        # As ``bulkreg up`` does for its children: the composition root and the workers the
        # tests start read the servers from the environment.
        os.environ.update(
            {
                "BULKREG_DATABASE_URL": urls.api,
                "BULKREG_WORKER_DATABASE_URL": urls.worker,
                "BULKREG_REDIS_URL": redis.url,
            }
        )
        get_settings.cache_clear()
        yield Servers(
            urls.api, urls.worker, urls.owner, pg.url("postgres"), redis.url, settings.data_path
        )
        for name in ("BULKREG_DATABASE_URL", "BULKREG_WORKER_DATABASE_URL", "BULKREG_REDIS_URL"):
            os.environ.pop(name, None)
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def api_engine(servers: Servers) -> Iterator[Engine]:
    engine = make_engine(servers.api_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def worker_engine(servers: Servers) -> Iterator[Engine]:
    engine = make_engine(servers.worker_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(servers: Servers) -> Iterator[Engine]:
    engine = make_engine(servers.owner_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def superuser_engine(servers: Servers) -> Iterator[Engine]:
    """The independent observer: a superuser connection that RLS does not filter."""
    engine = make_engine(servers.superuser_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture
def published() -> list[UUID]:
    return []


@pytest.fixture
def uows(api_engine: Engine, worker_engine: Engine, published: list[UUID]) -> SqlUnitsOfWork:
    """Units of work whose after-commit messages are recorded, not sent; each side as the
    role it has in production (the API's units as ``bulkreg_api``, claims and maintenance
    as ``bulkreg_worker``)."""
    return SqlUnitsOfWork(api_engine, published.append, worker_engine=worker_engine)


@dataclass
class Org:
    id: UUID
    coordinator: Principal
    coordinator2: Principal
    admin: Principal
    peer_mentors: list[UUID]
    inactive: UUID
    timezone: str = "UTC"
    types: list[str] = field(default_factory=lambda: ["home_visit", "phone_call"])

    def principal(self, user_id: UUID) -> Principal:
        return Principal(user_id, self.id, Role.PEER_MENTOR)


def make_org(engine: Engine, peer_mentors: int = 20) -> Org:
    org_id = uuid4()
    users = {
        "coordinator": uuid4(),
        "coordinator2": uuid4(),
        "admin": uuid4(),
        "inactive": uuid4(),
    }
    mentors = [uuid4() for _ in range(peer_mentors)]
    with engine.begin() as conn:
        conn.execute(
            text("insert into organizations (id, name, timezone) values (:id, :name, 'UTC')"),
            {"id": org_id, "name": f"org {org_id}"},
        )
        rows = [
            (users["coordinator"], "coordinator", True),
            (users["coordinator2"], "coordinator", True),
            (users["admin"], "admin", True),
            (users["inactive"], "peer_mentor", False),
            *[(m, "peer_mentor", True) for m in mentors],
        ]
        conn.execute(
            text(
                "insert into users (id, org_id, role, display_name, active) "
                "values (:id, :org, :role, :name, :active)"
            ),
            [
                {"id": i, "org": org_id, "role": r, "name": f"{r} {i}", "active": a}
                for i, r, a in rows
            ],
        )
        conn.execute(
            text(
                "insert into activity_types (org_id, code, name, active) values "
                "(:org, 'home_visit', 'Home visit', true), (:org, 'phone_call', 'Phone call', true), "
                "(:org, 'retired', 'Retired', false)"
            ),
            {"org": org_id},
        )
    return Org(
        id=org_id,
        coordinator=Principal(users["coordinator"], org_id, Role.COORDINATOR),
        coordinator2=Principal(users["coordinator2"], org_id, Role.COORDINATOR),
        admin=Principal(users["admin"], org_id, Role.ADMIN),
        peer_mentors=mentors,
        inactive=users["inactive"],
    )


@pytest.fixture
def org_factory(owner_engine: Engine) -> Callable[..., Org]:
    return lambda peer_mentors=20: make_org(owner_engine, peer_mentors)


@pytest.fixture
def org(org_factory: Callable[..., Org]) -> Org:
    return org_factory()


@pytest.fixture
def other_org(org_factory: Callable[..., Org]) -> Org:
    return org_factory(3)


def yesterday() -> date:
    return date.today() - timedelta(days=1)


def count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


class Worker:
    """A real ``celery worker`` process on the test broker and database."""

    def __init__(
        self,
        concurrency: int = 2,
        name: str | None = None,
        extra_env: dict[str, str] | None = None,
        include: str | None = None,
        queues: str | None = None,
    ) -> None:
        self.include = include
        self.queues = queues
        self.name = name or f"test-{uuid4().hex[:8]}"
        self.log_path = Path(os.environ["BULKREG_DATA_DIR"]) / "logs" / f"{self.name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.concurrency = concurrency
        self.env = os.environ | (extra_env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.app",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--pool",
                "prefork",
                *(["--include", self.include] if self.include else []),
                *(["--queues", self.queues] if self.queues else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text())
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready:\n{self.log_path.read_text()}")

    def children(self) -> list[int]:
        assert self.process is not None
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()
        except ProcessLookupError:
            pass
        self.process = None


@pytest.fixture(scope="session")
def worker(servers: Servers) -> Iterator[Worker]:
    w = Worker().start()
    yield w
    w.stop()


def wait_for(predicate: Callable[[], object], timeout: float = 30, interval: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


BARRIER = 424242


@pytest.fixture
def insert_barrier(superuser_engine: Engine) -> Iterator[None]:
    """Every insert into activities first waits for an advisory lock the test may hold: a
    job passes its duplicate check, then stops here, inside its transaction — with its
    COMMIT already sent behind the insert (the worker pipelines its writes and the commit)."""
    with superuser_engine.begin() as conn:
        conn.execute(
            text(
                f"""create function test_barrier() returns trigger language plpgsql as $$
                    begin perform pg_advisory_xact_lock_shared({BARRIER}); return null; end $$;
                    create trigger test_barrier before insert on activities
                      for each statement execute function test_barrier();"""
            )
        )
    yield
    with superuser_engine.begin() as conn:
        conn.execute(text("drop trigger test_barrier on activities; drop function test_barrier()"))


def waiting_at_barrier(engine: Engine) -> list[int]:
    """Backend pids of the transactions held at the barrier."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "select pid from pg_locks where locktype = 'advisory' and objid = :b "
                    "and not granted"
                ),
                {"b": BARRIER},
            ).scalars()
        )


@contextmanager
def barrier_closed(engine: Engine) -> Iterator[Callable[[], None]]:
    """Hold the insert barrier shut; call the yielded function to open it (or leave the
    block). Transactions that reach an insert meanwhile wait at the barrier."""
    with engine.connect() as lock:
        lock.execute(text("select pg_advisory_lock(:b)"), {"b": BARRIER})
        opened = False

        def release() -> None:
            nonlocal opened
            if not opened:
                lock.execute(text("select pg_advisory_unlock(:b)"), {"b": BARRIER})
                lock.commit()
                opened = True

        try:
            yield release
        finally:
            release()


@contextmanager
def duplicate_check_held(engine: Engine) -> Iterator[Callable[[], list[int]]]:
    """Hold an ACCESS EXCLUSIVE lock on activities: a job's duplicate check (a read) waits,
    inside its transaction and before the worker has sent any write or its COMMIT. Yields
    a function listing the backends waiting; leaving the block lets them through."""
    with engine.connect() as lock:
        lock.execute(text("lock table activities in access exclusive mode"))

        def waiting() -> list[int]:
            with engine.connect() as conn:
                return list(
                    conn.execute(
                        text(
                            "select pid from pg_locks where relation = 'activities'::regclass "
                            "and not granted"
                        )
                    ).scalars()
                )

        try:
            yield waiting
        finally:
            lock.rollback()
