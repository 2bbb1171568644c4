"""The composition root: what a process of the stack is built from — its engine, its
units of work and the publisher that sends job ids to the workers. The API, the workers
and the CLI all take them from here; nothing below knows how they are put together.

Every URL comes from the settings (``BULKREG_DATABASE_URL``, ``BULKREG_WORKER_DATABASE_URL``,
``BULKREG_REDIS_URL``): ``bulkreg up`` sets them for its children, compose sets them for its
services. The embedded servers are the dev stack's business, not this module's.

Each process builds its engine lazily, once, and again after a fork (a child must not share
its parent's sockets). Jobs are published by task name: the publisher needs no worker code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import psycopg
import redis
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bulkreg.foundation import metrics as prometheus
from bulkreg.foundation.names import QUEUES
from bulkreg.foundation.settings import Settings, get_settings
from bulkreg.publisher import Publisher
from domain.model import JobStatus
from domain.ports.jobs import Sendable
from domain.services.privacy import RetentionDays
from persistence import notifications
from persistence.database import answers, make_engine
from persistence.notifications import JobChanges
from persistence.operations import jobs_by_status, queue_depths
from persistence.privacy import SqlPersonalData, SqlRetention
from persistence.repositories.claims import LargeJobs
from persistence.uow import SqlUnitsOfWork

log = logging.getLogger(__name__)


class NotConfigured(RuntimeError):
    pass


def required(value: str | None, variable: str) -> str:
    if not value:
        raise NotConfigured(f"{variable} is not set (bulkreg up sets it for its processes)")
    return value


# The process's publisher: it sends job ids after commit, and again when the broker was away.
PUBLISHER = Publisher()


def enqueue(job: Sendable) -> None:
    """Send the job to the workers of its size (``bulkreg.publisher``)."""
    PUBLISHER.enqueue(job)


def broker_answers() -> bool:
    try:
        url = required(get_settings().redis_url, "BULKREG_REDIS_URL")
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, NotConfigured):
        return False


def _units(url: str, settings: Settings) -> SqlUnitsOfWork:
    large = LargeJobs(settings.large_job_participants, settings.max_running_large_per_org)
    return SqlUnitsOfWork(make_engine(url, pool_size=settings.db_pool_size), enqueue, large=large)


@lru_cache(maxsize=1)
def uows() -> SqlUnitsOfWork:
    """The API's units of work, as ``bulkreg_api``: it cannot act as maintenance."""
    settings = get_settings()
    return _units(required(settings.database_url, "BULKREG_DATABASE_URL"), settings)


@lru_cache(maxsize=1)
def worker_uows() -> SqlUnitsOfWork:
    """The workers' units of work, as ``bulkreg_worker``: claims, sweeps, reconciling."""
    settings = get_settings()
    url = required(settings.worker_database_url, "BULKREG_WORKER_DATABASE_URL")
    return _units(url, settings)


@lru_cache(maxsize=1)
def personal_data() -> SqlPersonalData:
    """A person's data exported or erased, as the API's role acting for an admin."""
    return SqlPersonalData(uows().engine)


@lru_cache(maxsize=1)
def retention() -> SqlRetention:
    """The daily deletion of what is no longer needed, as the maintenance role."""
    return SqlRetention(worker_uows().engine)


def retention_days(settings: Settings | None = None) -> RetentionDays:
    """How long each kind of record is kept (``BULKREG_AUDIT_RETENTION_DAYS``,
    ``BULKREG_DELETED_RETENTION_DAYS``; the rest as docs/privacy.md says)."""
    settings = settings or get_settings()
    return RetentionDays(
        audit_log=settings.audit_retention_days,
        deleted_activities=settings.deleted_retention_days,
    )


@lru_cache(maxsize=1)
def job_changes() -> JobChanges:
    """The API process's one listener for changed jobs (long polls wait on it)."""
    return JobChanges(required(get_settings().database_url, "BULKREG_DATABASE_URL"))


def reset_after_fork() -> None:
    """A forked child must not share its parent's sockets, nor its publisher's lock."""
    global PUBLISHER
    PUBLISHER = Publisher()
    for cached in (uows, worker_uows):
        if cached.cache_info().currsize:
            cached().engine.dispose(close=False)
        cached.cache_clear()
    personal_data.cache_clear()
    retention.cache_clear()


class JobsByStatus(Collector):
    def __init__(self, uows: SqlUnitsOfWork) -> None:
        self.uows = uows

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("bulkreg_jobs", "Bulk jobs by status", labels=["status"])
        counts = jobs_by_status(self.uows.engine)
        for status in JobStatus:
            family.add_metric([status.value], counts.get(status, 0))
        yield family


class QueueDepths(Collector):
    """Per queue, the jobs waiting and the age of the oldest, from the job table: what to
    scale the workers on (Redis' list lengths hide what workers have prefetched)."""

    def __init__(self, uows: SqlUnitsOfWork, large_job_participants: int) -> None:
        self.uows = uows
        self.large = large_job_participants

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "bulkreg_queue_depth", "Jobs waiting to be processed, by queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "bulkreg_queue_oldest_age_seconds",
            "How long the oldest waiting job has waited, by queue (0 when none waits)",
            labels=["queue"],
        )
        found = queue_depths(self.uows.engine, self.large)
        for queue in QUEUES:
            waiting, oldest = found.get(queue, (0, 0.0))
            depth.add_metric([queue], waiting)
            age.add_metric([queue], oldest)
        yield depth
        yield age


def metrics() -> bytes:
    """What ``/metrics`` serves: the counters of every process and the job table's gauges."""
    units, settings = uows(), get_settings()
    return prometheus.exposition(
        JobsByStatus(units), QueueDepths(units, settings.large_job_participants)
    )


def database_answers() -> bool:
    return answers(uows().engine)


def deliveries_listener() -> psycopg.Connection[Any]:
    """The relay's connection that ``LISTEN``s for queued webhook deliveries, as the worker's
    role; ``wait_for_deliveries`` waits on it."""
    return notifications.listening(
        required(get_settings().worker_database_url, "BULKREG_WORKER_DATABASE_URL")
    )


def wait_for_deliveries(listener: psycopg.Connection[Any], timeout: float) -> bool:
    """True when a delivery was queued within ``timeout`` seconds."""
    return notifications.wait_for_deliveries(listener, timeout)
