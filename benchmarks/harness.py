"""Servers, data and statistics shared by the benchmarks."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Engine, text

from bulkreg.devstack import where
from bulkreg.devstack.postgres import EmbeddedPostgres
from bulkreg.settings import Settings
from domain.model import Principal, Role
from persistence import migrate
from persistence.database import libpq_url, make_engine


@dataclass
class Figure:
    """Repeated measurements of one quantity; the median is the figure."""

    samples: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.samples.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def row(self) -> dict[str, float]:
        return {"min": min(self.samples), "median": self.median, "max": max(self.samples)}


@dataclass
class Servers:
    api_url: str
    worker_url: str
    owner_url: str
    superuser_url: str
    broker_url: str
    data_dir: Path
    env: dict[str, str]


@contextmanager
def servers(settings: Settings) -> Iterator[Servers]:
    """Configured servers when the environment names them, else embedded ones in a temporary
    data dir (never the developer's .bulkreg)."""
    with ExitStack() as stack:
        if settings.database_url:
            api, worker = where.api_database_url(settings), where.worker_database_url(settings)
            owner = where.owner_database_url(settings)
            superuser = os.environ.get("BULKREG_BENCH_SUPERUSER_URL", owner)
            data_dir = Path(tempfile.mkdtemp(prefix="bulkreg-bench-"))
        else:
            data_dir = Path(tempfile.mkdtemp(prefix="bulkreg-bench-"))
            pg = EmbeddedPostgres(data_dir)
            stack.enter_context(pg.server())
            pg.bootstrap()
            urls = pg.urls
            api, worker, owner, superuser = urls.api, urls.worker, urls.owner, pg.url("postgres")
        if settings.redis_url:
            broker = settings.redis_url
        else:
            from bulkreg.devstack.redis import EmbeddedRedis

            redis = EmbeddedRedis(data_dir, free_port())
            stack.enter_context(redis.server())
            broker = redis.url
        migrate.upgrade(owner)
        env = os.environ | {
            "BULKREG_DATA_DIR": str(data_dir),
            "BULKREG_DATABASE_URL": api,
            "BULKREG_WORKER_DATABASE_URL": worker,
            "BULKREG_ADMIN_DATABASE_URL": owner,
            "BULKREG_REDIS_URL": broker,
            "BULKREG_JWT_SECRET": "benchmark-secret-" + "b" * 48,
            "BULKREG_FLOWER_BASIC_AUTH": "bench:bench",
            "BULKREG_ENV": "test",
            "BULKREG_MAX_BACKDATE_DAYS": "100000",  # the benchmarks spread jobs over many dates
        }
        yield Servers(api, worker, owner, superuser, broker, data_dir, env)


@dataclass
class Org:
    id: UUID
    coordinator: Principal
    peer_mentors: list[UUID]


def make_org(owner: Engine, peer_mentors: int) -> Org:
    org_id, coordinator = uuid4(), uuid4()
    mentors = [uuid4() for _ in range(peer_mentors)]
    with owner.begin() as conn:
        conn.execute(
            text("insert into organizations (id, name) values (:id, 'bench')"), {"id": org_id}
        )
        conn.execute(
            text(
                """insert into users (id, org_id, role, display_name, active)
                   select u, :org, case when u = :coord then 'coordinator' else 'peer_mentor' end,
                          'bench', true
                   from unnest(cast(:ids as uuid[])) as u"""
            ),
            {"org": org_id, "coord": coordinator, "ids": [coordinator, *mentors]},
        )
        conn.execute(
            text(
                "insert into activity_types (org_id, code, name) values "
                "(:org, 'home_visit', 'Home visit'), (:org, 'phone_call', 'Phone call')"
            ),
            {"org": org_id},
        )
    return Org(org_id, Principal(coordinator, org_id, Role.COORDINATOR), mentors)


def day(n: int) -> date:
    return date.today() - timedelta(days=n)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def engine(url: str, pool_size: int = 5) -> Engine:
    return make_engine(url, pool_size=pool_size)


def start_process(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = open(log, "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        argv, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def python() -> str:
    return sys.executable


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reset_activity_tables(superuser_url: str) -> None:
    """Start a measurement from empty job and activity tables (the directory stays), as a
    new installation has them: truncated, not analyzed (an ANALYZE of an empty table would
    tell the planner "empty" as a fact, which no installation ever starts from)."""
    import psycopg

    with psycopg.connect(libpq_url(superuser_url), autocommit=True) as conn:
        conn.execute("truncate activities, bulk_job_items, anomalies, audit_log, bulk_jobs")


def settle(superuser_url: str) -> None:
    """Flush what earlier work left behind (dirty buffers, pending WAL) so that it does not
    land in the next measurement: every timed section starts from a checkpoint."""
    import psycopg

    with psycopg.connect(libpq_url(superuser_url), autocommit=True) as conn:
        conn.execute("checkpoint")
