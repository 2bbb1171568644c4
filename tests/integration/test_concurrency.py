"""Two overlapping jobs, processed at the same moment by two worker processes, never create
a duplicate: the loser's unique violation is retried and becomes a reported conflict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from sqlalchemy import Engine

from domain.model import ActivityDraft, BulkSubmission, ParticipantRequest
from domain.rules import Limits
from domain.services import bulk
from persistence.uow import SqlUnitsOfWork
from tests.support.db import (
    barrier_closed,
    count,
    job_row,
    wait_for,
    wait_terminal,
    waiting_at_barrier,
)
from tests.support.orgs import Org
from tests.support.servers import Servers
from tests.support.worker import Worker
from workers.tasks import process_bulk_job

QUEUE = "concurrency"
ROUNDS = 20


@pytest.fixture
def two_workers(servers: Servers) -> Iterator[list[Worker]]:
    workers = [Worker(concurrency=1, queues=QUEUE).start() for _ in range(2)]
    yield workers
    for w in workers:
        w.stop()


def queued_job(
    uows: SqlUnitsOfWork, org: Org, coordinator: object, pms: list[UUID], day: date, mode: str
) -> UUID:
    submission = BulkSubmission(
        activity=ActivityDraft(activity_type="home_visit", occurred_on=day, duration_minutes=10),
        participants=[ParticipantRequest(peer_mentor_id=p) for p in pms],
        on_conflict=mode,
    )
    job, _ = bulk.submit(uows, coordinator, submission, limits=Limits())  # type: ignore[arg-type]
    return job.id


def test_overlapping_jobs_at_the_same_moment_never_duplicate(
    two_workers: list[Worker],
    insert_barrier: None,
    uows: SqlUnitsOfWork,
    org: Org,
    superuser_engine: Engine,
) -> None:
    for round_ in range(ROUNDS):
        day = date.today() - timedelta(days=30 + round_)
        mode = "skip" if round_ % 2 else "review"
        a_pms, b_pms = org.peer_mentors[0:8], org.peer_mentors[4:12]  # 4 in common
        a = queued_job(uows, org, org.coordinator, a_pms, day, mode)
        b = queued_job(uows, org, org.coordinator2, b_pms, day, mode)
        with barrier_closed(superuser_engine) as open_barrier:
            process_bulk_job.apply_async(args=[str(a)], queue=QUEUE)
            process_bulk_job.apply_async(args=[str(b)], queue=QUEUE)
            wait_for(lambda: len(waiting_at_barrier(superuser_engine)) == 2, timeout=30)
            open_barrier()

        statuses = sorted([wait_terminal(superuser_engine, a), wait_terminal(superuser_engine, b)])
        per_key = count(
            superuser_engine,
            """select count(*) from (select peer_mentor_id from activities
               where org_id = :o and occurred_on = :d and duplicate_of is null
               group by peer_mentor_id having count(*) > 1) dupes""",
            o=org.id,
            d=day,
        )
        written = count(
            superuser_engine,
            "select count(*) from activities where org_id = :o and occurred_on = :d",
            o=org.id,
            d=day,
        )
        jobs = [bulk.get(uows, org.coordinator, j) for j in (a, b)]
        counts = [j.counts() for j in jobs]
        assert per_key == 0, f"round {round_}: duplicate activities"
        if mode == "review":
            assert statuses == ["needs_review", "succeeded"], round_
            assert written == 8
            loser = next(c for c in counts if c["conflict"])
            assert (loser["conflict"], loser["ready"]) == (4, 4)
        else:
            assert statuses == ["succeeded", "succeeded"], round_
            assert written == 12
            assert sorted(c["skipped"] for c in counts) == [0, 4]
            assert sum(c["registered"] for c in counts) == 12
        assert max(job_row(superuser_engine, j)[1] for j in (a, b)) == 2  # the loser retried once
