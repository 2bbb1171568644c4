"""How the stack rides out a crashed worker and a hung broker (README, "What survives what").

* ``takeover_seconds``: a worker's pool is SIGKILLed while it holds a job (mid first round
  trip); the time until the job is claimed again. It is the abandoned-claim grace, plus the
  wait for beat's next sweep (default interval), plus the re-send and the claim.
* ``submit_p99_ms_hung_broker``: HTTP submissions while Redis is stopped (SIGSTOP), one
  after another; the p99 of their latency (each is accepted: the job row is the outbox).
"""

from __future__ import annotations

import signal
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import psutil
import psycopg

from benchmarks.e2e import Stack, submit_one
from benchmarks.harness import (
    Figure,
    Org,
    Servers,
    child_env,
    python,
    start_process,
    stop_process,
)
from persistence.database import libpq_url

HUNG_SUBMISSIONS = 20
FIRST_DAY = 3000  # activity dates no other benchmark uses: no job here meets a conflict
PATIENCE_SECONDS = 120


def run(servers: Servers, stack: Stack, org: Org, secret: str, repeat: int) -> dict[str, Figure]:
    figures = {"takeover_seconds": Figure()}
    logs = servers.data_dir / "logs"
    beat = start_process(
        [python(), "-m", "celery", "-A", "workers.app", "beat", "--loglevel", "WARNING",
         "--schedule", str(servers.data_dir / "bench-beat-schedule")],
        child_env(servers), logs / "bench-beat.log",
    )  # fmt: skip
    try:
        for n in range(repeat):
            figures["takeover_seconds"].add(takeover(servers, stack, org, secret, FIRST_DAY + n))
    finally:
        stop_process(beat)
    redis = _redis_process(servers)
    if redis is not None:
        figures["submit_p99_ms_hung_broker"] = Figure()
        for n in range(repeat):
            figures["submit_p99_ms_hung_broker"].add(
                hung_broker_p99_ms(stack, org, secret, redis, FIRST_DAY + 10 + n * HUNG_SUBMISSIONS)
            )
    return figures


def takeover(servers: Servers, stack: Stack, org: Org, secret: str, on: int) -> float:
    """The job's first round trip is held (its duplicate check waits for a lock on
    activities) when the worker's pool is killed; the lock is let go at once, the orphaned
    backend finds its client gone and rolls back, and the clock runs until a worker claims
    the job again."""
    with (
        psycopg.connect(libpq_url(servers.superuser_url)) as holder,
        psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as admin,
    ):
        holder.execute("lock table activities in access exclusive mode")
        try:
            job_id = submit_one(stack, org, secret, on)
            _until(lambda: _waiting_on_activities(admin), "the job's duplicate check")
            for child in psutil.Process(stack.worker.pid).children():
                child.send_signal(signal.SIGKILL)
            crashed = time.perf_counter()
        finally:
            holder.rollback()
        _until(lambda: _attempts(admin, job_id) >= 2, "the job to be taken over")
        taken = time.perf_counter() - crashed
        _until(lambda: _status(admin, job_id) == "succeeded", "the job to succeed")
    return taken


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.02)


def hung_broker_p99_ms(
    stack: Stack, org: Org, secret: str, redis: psutil.Process, first_day: int
) -> float:
    latencies = []
    redis.suspend()
    try:
        for n in range(HUNG_SUBMISSIONS):
            started = time.perf_counter()
            submit_one(stack, org, secret, first_day + n)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        redis.resume()
    return statistics.quantiles(latencies, n=100)[98]


def _waiting_on_activities(admin: psycopg.Connection[Any]) -> bool:
    row = admin.execute(
        "select count(*) from pg_locks where relation = 'activities'::regclass and not granted"
    ).fetchone()
    return bool(row and row[0])


def _attempts(admin: psycopg.Connection[Any], job_id: uuid.UUID) -> int:
    row = admin.execute("select attempts from bulk_jobs where id = %s", (job_id,)).fetchone()
    return int(row[0]) if row else 0


def _status(admin: psycopg.Connection[Any], job_id: uuid.UUID) -> str:
    row = admin.execute("select status from bulk_jobs where id = %s", (job_id,)).fetchone()
    return str(row[0]) if row else ""


def _redis_process(servers: Servers) -> psutil.Process | None:
    """The embedded Redis the benchmark started (None on a configured one: not ours to stop)."""
    for process in psutil.process_iter(["name", "cwd"]):
        try:
            if process.info["name"] == "redis-server" and str(servers.data_dir) in (
                process.info["cwd"] or ""
            ):
                return process
        except psutil.Error:
            continue
    return None
