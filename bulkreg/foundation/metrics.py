"""Prometheus metrics. Processes of one stack share them through prometheus_client's
multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (``bulkreg up`` sets it to
``<data dir>/metrics``); the API's ``/metrics`` then reports the workers' observations too.
The gauges read from the database at scrape time (jobs by status, queue depths) are
the composition root's (``bulkreg.composition_root.metrics``): this module imports nothing
of the project."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

PROCESSING_SECONDS = Histogram(
    "bulkreg_job_processing_seconds",
    "Time to process one attempt of a bulk job, by the status it ended in",
    ["status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
ACTIVITIES_COMMITTED = Counter(
    "bulkreg_activities_committed_total", "Activities committed, by source", ["source"]
)
RETENTION_DELETED = Counter(
    "bulkreg_retention_deleted_total",
    "Records deleted because they are no longer needed (docs/privacy.md), by kind",
    ["kind"],
)


def exposition(*gauges: Collector) -> bytes:
    """The text ``/metrics`` serves: this process's counters (or, in multiprocess mode, every
    process's) and the ``gauges`` read at scrape time."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (PROCESSING_SECONDS, ACTIVITIES_COMMITTED, RETENTION_DELETED):
            registry.register(collector)
    for gauge in gauges:
        registry.register(gauge)
    return generate_latest(registry)
