"""Thin tasks: take an id, call one use case, return. Names are stable (Flower, beat)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import Token
from uuid import UUID

from celery import Task
from celery.signals import (
    setup_logging,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_ready,
)

from bulkreg import composition_root
from bulkreg.foundation.logs import configure, enter_job, leave_job
from bulkreg.foundation.metrics import (
    ACTIVITIES_COMMITTED,
    PROCESSING_SECONDS,
    RETENTION_DELETED,
)
from bulkreg.foundation.names import JOB_TASK, RECONCILE_TASK, RETENTION_TASK, SWEEP_TASK
from bulkreg.foundation.settings import get_settings
from domain.errors import JobBusy, LeaseLost, TransientError
from domain.model import JobStatus
from domain.services import maintenance, privacy, processing
from workers.app import app

log = logging.getLogger(__name__)


@setup_logging.connect
def _logging(loglevel: int | None = None, **_: object) -> None:
    """Our format (text or JSON, with job ids) instead of Celery's own, at ``--loglevel``
    (Celery hands it over as a number)."""
    configure(get_settings().log_format, loglevel or logging.INFO)


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    composition_root.reset_after_fork()


def backoff(retries: int) -> float:
    return float(min(get_settings().retry_backoff_max, 2**retries))


@app.task(name=JOB_TASK, bind=True, max_retries=None)
def process_bulk_job(self: Task, job_id: str) -> str | None:
    """Process one bulk job. Idempotent: safe to deliver twice, concurrently or after a
    crash — the claim lets one attempt through and a finished job is left alone. The number
    of attempts is bounded by ``BULKREG_MAX_ATTEMPTS`` in the database, not by Celery."""
    return _process(self, job_id)


_job_logs: dict[str, Token[str | None]] = {}


@task_prerun.connect
def _enter_job(
    task_id: str = "", task: Task | None = None, args: tuple[object, ...] = (), **_: object
) -> None:
    """Everything logged for a job carries its id, Celery's own task lines included."""
    if task is not None and task.name == JOB_TASK and args:
        _job_logs[task_id] = enter_job(str(args[0]))


@task_postrun.connect
def _leave_job(task_id: str = "", **_: object) -> None:
    token = _job_logs.pop(task_id, None)
    if token is not None:
        leave_job(token)


def _observe(started: float) -> Callable[[JobStatus, int], None]:
    def observe(status: JobStatus, written: int) -> None:
        PROCESSING_SECONDS.labels(status.value).observe(time.perf_counter() - started)
        ACTIVITIES_COMMITTED.labels("bulk").inc(written)

    return observe


@contextmanager
def _about(job: UUID) -> Iterator[None]:
    """While the message's worker runs another job (taken in its turn), its lines name that job."""
    token = enter_job(str(job))
    try:
        yield
    finally:
        leave_job(token)


def _process(self: Task, job_id: str) -> str | None:
    settings = get_settings()
    try:
        job = UUID(str(job_id))
    except ValueError:
        # Not ours to retry: acknowledged, with one line saying so.
        log.warning("dropped a message whose job id is not a UUID: %.80r", job_id)
        return None
    try:
        status = processing.process(
            composition_root.worker_uows(),
            job,
            lease_seconds=settings.lease_seconds,
            max_attempts=settings.max_attempts,
            observe=_observe(time.perf_counter()),
            about=_about,
        )
    except JobBusy as busy:
        # A duplicate delivery, or a redelivery while the first worker may still be alive:
        # come back when its lease has run out; by then the job is finished or free.
        raise self.retry(countdown=busy.retry_in + 1, exc=busy) from busy
    except LeaseLost:
        log.info("job %s: lease lost to another worker; this attempt wrote nothing", job_id)
        return None
    except TransientError as error:
        log.warning("job %s: transient failure (%s); retrying", job_id, error)
        raise self.retry(countdown=backoff(self.request.retries), exc=error) from error
    return status.value if status else None


@app.task(name=SWEEP_TASK)
def sweep_stuck_jobs() -> int:
    """Re-send jobs stuck in ``queued``, re-queue ``running`` jobs whose lease expired."""
    return len(
        maintenance.sweep_stuck_jobs(
            composition_root.worker_uows(),
            queued_older_than=get_settings().sweep_queued_after_seconds,
        )
    )


@app.task(name=RECONCILE_TASK)
def reconcile() -> int:
    """Record anomalies: orphaned records and missing records."""
    return maintenance.reconcile(composition_root.worker_uows())


@app.task(name=RETENTION_TASK)
def retention() -> int:
    """Delete what is no longer needed, in short batches; ``/metrics`` counts it."""

    def count(kind: str, deleted: int) -> None:
        RETENTION_DELETED.labels(kind=kind).inc(deleted)

    totals = privacy.expire(
        composition_root.retention(), composition_root.retention_days(), deleted=count
    )
    log.info("retention: %s", ", ".join(f"{kind} {n}" for kind, n in totals.items()))
    return sum(totals.values())


@worker_ready.connect
def _take_over_at_start(**_: object) -> None:
    """A worker that starts (again) sweeps at once: a job its previous run was cut off from
    is taken over now, not at the next beat."""
    sweep_stuck_jobs.delay()
