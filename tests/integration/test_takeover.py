"""A job is taken over from a worker that died, within seconds, and never from one that lives;
a connection lost on the worker's first round trip costs a prompt retry, not a stranded job."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, create_engine, text

from domain.ports.jobs import Sendable
from domain.services import maintenance
from persistence.repositories.claims import ABANDONED_AFTER_SECONDS
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count, duplicate_check_held, job_row, wait_for, wait_terminal
from tests.support.jobs import submit
from tests.support.orgs import Org
from tests.support.worker import Worker
from workers.tasks import process_bulk_job

QUEUE = "takeover"


@pytest.fixture
def worker() -> Iterator[Worker]:
    started = Worker(concurrency=1, queues=QUEUE).start()
    yield started
    started.stop()


def status(engine: Engine, job_id: UUID) -> str:
    return job_row(engine, job_id)[0]


def sweep(uows: SqlUnitsOfWork) -> list[UUID]:
    return maintenance.sweep_stuck_jobs(uows, queued_older_than=3600)


def test_a_live_workers_job_is_never_taken_and_a_dead_ones_is_taken_within_seconds(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine, worker_engine: Engine
) -> None:
    live = submit(uows, org, org.peer_mentors[:2])
    dead = submit(uows, org, org.peer_mentors[2:4])
    # The dead worker claimed its job and vanished before processing it: the claim stands,
    # its lease (a minute) is far from over, nobody holds the job's row.
    with uows.claiming(dead, uuid4(), 60) as claiming:
        assert claiming.claimed().job is not None
    # The live worker holds its job (its transaction is open) on a lease that ran out.
    with uows.claiming(live, uuid4(), 0.01) as claiming:
        assert claiming.claimed().job is not None
        time.sleep(ABANDONED_AFTER_SECONDS + 1)
        swept = sweep(uows)  # (other tests' abandoned jobs may be taken too)
        assert dead in swept and live not in swept
        assert status(superuser_engine, live) == "running"
        assert status(superuser_engine, dead) == "queued"
        assert job_row(superuser_engine, dead)[1] == 1  # one attempt so far, counted at the claim
        # A second delivery of the live job takes nothing of the live worker's, and waits on
        # nothing: on a connection that may not wait for a lock, any wait is an error, not a
        # slow answer. (For a small job the message's job is a hint: the claim takes the
        # fairest queued small job — here perhaps the swept one — or nothing.)
        impatient = create_engine(
            worker_engine.url, connect_args={"options": "-c lock_timeout=1000"}
        )
        try:
            with SqlUnitsOfWork(uows.engine, lambda _: None, worker_engine=impatient).claiming(
                live, uuid4(), 30
            ) as other:
                taken = other.claimed().claim
                assert taken is None or taken.job_id != live
        finally:
            impatient.dispose()
        assert status(superuser_engine, live) == "running"


def test_a_connection_lost_on_the_first_round_trip_is_retried_at_once(
    worker: Worker, uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """The worker's backend is terminated while its first round trip (the claim, committed,
    then the screening) waits: the round trip is sent again on a fresh connection, finds its
    own claim, and the job succeeds on that same attempt."""
    job_id = submit(uows, org, org.peer_mentors[:5])
    with duplicate_check_held(superuser_engine) as waiting:
        process_bulk_job.apply_async(args=[str(job_id)], queue=QUEUE)
        (backend,) = wait_for(waiting, timeout=30)
        assert status(superuser_engine, job_id) == "running"  # the claim had committed
        with superuser_engine.connect() as admin:
            assert admin.execute(text("select pg_terminate_backend(:p)"), {"p": backend}).scalar()
        wait_for(lambda: [p for p in waiting() if p != backend], timeout=30)  # sent again
    assert wait_terminal(superuser_engine, job_id, timeout=30) == "succeeded"
    assert job_row(superuser_engine, job_id)[1] == 1  # the re-sent claim was not counted
    assert (
        count(superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job_id)
        == 5
    )
    assert "lease lost" not in worker.log_path.read_text()


def test_three_workers_three_hundred_jobs_one_killed_midway_every_job_ends_once(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], superuser_engine: Engine
) -> None:
    org = org_factory(900)
    workers = [Worker(concurrency=2, queues="crowd", name=f"crowd-{n}") for n in range(3)]
    try:
        for w in workers:
            w.start()
        jobs = [submit(uows, org, org.peer_mentors[3 * i : 3 * i + 3]) for i in range(300)]
        for job_id in jobs:
            process_bulk_job.apply_async(args=[str(job_id)], queue="crowd")

        def finished() -> int:
            return count(
                superuser_engine,
                "select count(*) from bulk_jobs where org_id = :o and status = 'succeeded'",
                o=org.id,
            )

        wait_for(lambda: finished() >= 100, timeout=120)
        victim = workers[0]
        assert victim.process is not None
        os.killpg(victim.process.pid, signal.SIGKILL)  # the main process and its pool
        victim.process.wait()
        victim.process = None
        # What beat does every few seconds: take over the dead worker's jobs, re-send the
        # ones whose messages it had taken with it.
        deadline = time.monotonic() + 180
        while finished() < 300 and time.monotonic() < deadline:
            maintenance.sweep_stuck_jobs(uows_live(uows), queued_older_than=5)
            time.sleep(2)
    finally:
        for w in workers:
            w.stop()
    assert finished() == 300
    assert (
        count(superuser_engine, "select count(*) from activities where org_id = :o", o=org.id)
        == 900
    )
    assert (
        count(
            superuser_engine,
            "select count(*) from (select peer_mentor_id from activities where org_id = :o "
            "group by peer_mentor_id having count(*) > 1) d",
            o=org.id,
        )
        == 0
    )
    per_job = count(
        superuser_engine,
        "select count(*) from bulk_jobs j where j.org_id = :o and (select count(*) "
        "from activities a where a.bulk_job_id = j.id) <> 3",
        o=org.id,
    )
    assert per_job == 0


def uows_live(uows: SqlUnitsOfWork) -> SqlUnitsOfWork:
    """The same engines, publishing for real (re-sent jobs must reach the workers)."""
    return SqlUnitsOfWork(uows.engine, resend, worker_engine=uows.worker_engine)


def resend(job: Sendable) -> None:
    process_bulk_job.apply_async(args=[str(job.job_id)], queue="crowd")
