"""Prometheus metrics. Processes of one stack share them through prometheus_client's
multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (``bulkreg up`` sets it to
``<data dir>/metrics``); the API's ``/metrics`` then reports the workers' observations too.
Jobs by status are read from the database at scrape time, so they are right whichever
process changed them."""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from domain.model import JobStatus
from persistence.operations import jobs_by_status, queue_depths
from persistence.uow import SqlUnitsOfWork

PROCESSING_SECONDS = Histogram(
    "bulkreg_job_processing_seconds",
    "Time to process one attempt of a bulk job, by the status it ended in",
    ["status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
ACTIVITIES_COMMITTED = Counter(
    "bulkreg_activities_committed_total", "Activities committed, by source", ["source"]
)


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

    QUEUES = ("bulk.small", "bulk.large")

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
        for queue in self.QUEUES:
            waiting, oldest = found.get(queue, (0, 0.0))
            depth.add_metric([queue], waiting)
            age.add_metric([queue], oldest)
        yield depth
        yield age


def exposition(uows: SqlUnitsOfWork, large_job_participants: int) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (PROCESSING_SECONDS, ACTIVITIES_COMMITTED):
            registry.register(collector)
    registry.register(JobsByStatus(uows))
    registry.register(QueueDepths(uows, large_job_participants))
    return generate_latest(registry)
