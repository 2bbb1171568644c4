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

from sqlalchemy import Engine

from bulkreg.devstack import where
from bulkreg.devstack.redis import EmbeddedRedis
from bulkreg.foundation.settings import Settings
from persistence import migrate
from persistence.database import libpq_url, make_engine
from tests.support.net import free_port
from tests.support.orgs import Org, make_org
from tests.support.servers import Servers, embedded_servers

__all__ = ["Org", "Servers", "make_org"]  # the benchmarks' names for the shared helpers


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


BENCH_ENV = {
    "BULKREG_JWT_SECRET": "benchmark-secret-" + "b" * 48,
    "BULKREG_FLOWER_BASIC_AUTH": "bench:bench",
    "BULKREG_ENV": "test",
    "BULKREG_MAX_BACKDATE_DAYS": "100000",  # the benchmarks spread jobs over many dates
}


@contextmanager
def servers(settings: Settings, pg_settings: tuple[str, ...] = ()) -> Iterator[Servers]:
    """Configured servers when the environment names them, else embedded ones in a temporary
    data dir (never the developer's .bulkreg), started as the tests start theirs (with
    ``pg_settings`` added to PostgreSQL's; configured servers are taken as they are)."""
    data_dir = Path(tempfile.mkdtemp(prefix="bulkreg-bench-"))
    if not settings.database_url:
        with embedded_servers(data_dir, free_port(), pg_settings) as started:
            yield started
        return
    owner = where.owner_database_url(settings)
    migrate.upgrade(owner)
    with ExitStack() as stack:
        broker = settings.redis_url or stack.enter_context(embedded_redis(data_dir)).url
        yield Servers(
            api_url=where.api_database_url(settings),
            worker_url=where.worker_database_url(settings),
            owner_url=owner,
            superuser_url=os.environ.get("BULKREG_BENCH_SUPERUSER_URL", owner),
            broker_url=broker,
            data_dir=data_dir,
        )


@contextmanager
def embedded_redis(data_dir: Path) -> Iterator[EmbeddedRedis]:
    redis = EmbeddedRedis(data_dir, free_port())
    with redis.server():
        yield redis


def child_env(s: Servers) -> dict[str, str]:
    """The environment of every process a benchmark starts, and of the benchmark itself."""
    return os.environ | s.env | BENCH_ENV


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


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
