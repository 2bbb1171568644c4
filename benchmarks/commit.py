"""Commit path: a 10,000-participant job processed by the worker's use case, against a raw
psycopg COPY of the same rows into a same-shaped scratch table (same indexes and checks).

``commit_ratio`` times the commit path (activities, item outcomes, job status, COMMIT);
``job_ratio`` times the whole attempt, claim and validation and duplicate check included."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

import psycopg

from benchmarks.harness import Figure, Org, Servers, day, engine, settle, timed
from domain.model import (
    ActivityDraft,
    BulkSubmission,
    JobStatus,
    ParticipantRequest,
    time_ordered_id,
)
from domain.rules import Limits
from domain.services import bulk, processing
from persistence.database import libpq_url
from persistence.repositories.activities import SqlActivities
from persistence.uow import SqlClaimingUnitOfWork, SqlUnitsOfWork

COLUMNS = (
    "id, org_id, peer_mentor_id, activity_type, occurred_on, duration_minutes, notes, "
    "registered_by, source, bulk_job_id, duplicate_of, created_at"
)


def submit(uows: SqlUnitsOfWork, org: Org, n: int, on: int, on_conflict: str = "skip") -> object:
    submission = BulkSubmission(
        activity=ActivityDraft(
            activity_type="home_visit", occurred_on=day(on), duration_minutes=45
        ),
        participants=[ParticipantRequest(peer_mentor_id=p) for p in org.peer_mentors[:n]],
        on_conflict=on_conflict,
    )
    job, _ = bulk.submit(
        uows,
        org.coordinator,
        submission,
        limits=Limits(max_participants=n, max_backdate_days=100_000),
    )
    return job.id


def process_timed(uows: SqlUnitsOfWork, job_id: object) -> tuple[float, JobStatus | None]:
    """The worker's use case for one job, timed from claim to commit."""
    return timed(lambda: processing.process(uows, job_id, lease_seconds=300, max_attempts=3))  # type: ignore[arg-type]


class CommitPathProbe:
    """Times the commit path inside one processing run: from the first INSERT of the job's
    activities to the end of the COMMIT that marks the job succeeded (activities, item
    outcomes, job status, commit)."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.seconds: float | None = None

    @contextmanager
    def installed(self) -> Iterator[None]:
        add_many, commit = SqlActivities.add_many, SqlClaimingUnitOfWork.commit
        probe = self

        def timed_add_many(repo: SqlActivities, activities: Any) -> None:
            probe.started = time.perf_counter()
            add_many(repo, activities)

        def timed_commit(uow: SqlClaimingUnitOfWork) -> None:
            commit(uow)
            if probe.started is not None and probe.seconds is None:
                probe.seconds = time.perf_counter() - probe.started

        with (
            patch.object(SqlActivities, "add_many", timed_add_many),
            patch.object(SqlClaimingUnitOfWork, "commit", timed_commit),
        ):
            yield


def copy_rows_per_second(servers: Servers, org: Org, n: int, on: int) -> float:
    now = datetime.now(UTC)
    rows = [
        (
            time_ordered_id(),
            org.id,
            pm,
            "home_visit",
            day(on),
            45,
            None,
            org.coordinator.user_id,
            "bulk",
            None,
            None,
            now,
        )
        for pm in org.peer_mentors[:n]
    ]
    with psycopg.connect(libpq_url(servers.owner_url)) as conn:
        conn.execute("drop table if exists bench_scratch")
        conn.execute("create table bench_scratch (like activities including all)")
        conn.commit()
        elapsed, _ = timed(lambda: _copy(conn, rows))
        conn.execute("drop table bench_scratch")
        conn.commit()
    return n / elapsed


def _copy(conn: psycopg.Connection[Any], rows: Sequence[tuple[object, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"copy bench_scratch ({COLUMNS}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()


def run(servers: Servers, org: Org, n: int, repeat: int) -> dict[str, Figure]:
    app, worker = engine(servers.api_url), engine(servers.worker_url)
    uows = SqlUnitsOfWork(app, lambda _: None, worker_engine=worker)
    figures = {
        name: Figure()
        for name in (
            "commit_rows_per_s",
            "job_rows_per_s",
            "copy_rows_per_s",
            "commit_ratio",
            "job_ratio",
        )
    }
    try:
        for rep in range(repeat):
            job_id = submit(uows, org, n, on=200 + rep)
            settle(servers.superuser_url)  # each timed section starts from a checkpoint
            probe = CommitPathProbe()
            with probe.installed():
                elapsed, status = process_timed(uows, job_id)
            assert status is JobStatus.SUCCEEDED and probe.seconds is not None, status
            settle(servers.superuser_url)
            copy_rate = copy_rows_per_second(servers, org, n, on=200 + rep)
            figures["commit_rows_per_s"].add(n / probe.seconds)
            figures["job_rows_per_s"].add(n / elapsed)
            figures["copy_rows_per_s"].add(copy_rate)
            figures["commit_ratio"].add(n / probe.seconds / copy_rate)
            figures["job_ratio"].add(n / elapsed / copy_rate)
    finally:
        app.dispose()
        worker.dispose()
    return figures
