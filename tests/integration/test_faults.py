"""Faults with real processes: killed workers, a killed database connection, duplicate
deliveries. Each test runs its own workers on a queue of its own."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import Engine, text

from persistence.uow import SqlUnitsOfWork
from tests.support.db import (
    barrier_closed,
    count,
    duplicate_check_held,
    job_row,
    wait_for,
    wait_terminal,
    waiting_at_barrier,
)
from tests.support.jobs import submit
from tests.support.orgs import Org
from tests.support.worker import Worker
from workers.tasks import process_bulk_job

QUEUE = "faults"
SHORT_LEASE = {"BULKREG_LEASE_SECONDS": "3"}


def send(job_id: UUID) -> str:
    return str(process_bulk_job.apply_async(args=[str(job_id)], queue=QUEUE).id)


def rows(engine: Engine, job_id: UUID) -> int:
    return count(engine, "select count(*) from activities where bulk_job_id = :j", j=job_id)


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


def start(workers: list[Worker], **kwargs: object) -> Worker:
    worker = Worker(concurrency=1, queues=QUEUE, **kwargs).start()  # type: ignore[arg-type]
    workers.append(worker)
    return worker


def kill_child(worker: Worker) -> None:
    """SIGKILL the worker's one pool process, as the OOM killer would, and wait until the
    worker has seen it go."""
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: child not in worker.children(), timeout=10)


def succeeded_in_log(worker: Worker, task_id: str) -> bool:
    return f"[{task_id}] succeeded" in worker.log_path.read_text(errors="replace")


def test_worker_killed_inside_the_transaction_writes_nothing_then_redelivery_succeeds_once(
    workers: list[Worker], uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """Killed while its transaction is open and nothing of the commit has been sent: the
    server rolls back when the connection drops, and the redelivered job runs again."""
    worker = start(workers, extra_env=SHORT_LEASE)
    job_id = submit(uows, org, org.peer_mentors)
    with duplicate_check_held(superuser_engine) as waiting:
        send(job_id)
        wait_for(waiting, timeout=30)
        kill_child(worker)
    assert rows(superuser_engine, job_id) == 0

    assert wait_terminal(superuser_engine, job_id) == "succeeded"
    attempts = job_row(superuser_engine, job_id)[1]
    assert attempts == 2
    assert rows(superuser_engine, job_id) == len(org.peer_mentors)


def test_worker_killed_after_sending_its_commit_the_job_commits_whole_and_only_once(
    workers: list[Worker],
    insert_barrier: None,
    uows: SqlUnitsOfWork,
    org: Org,
    superuser_engine: Engine,
) -> None:
    """The worker sends its writes and the COMMIT in one round trip. Killed while the server
    is still at the first insert, its transaction is already whole on the server: it commits
    every row with the status, and the redelivery finds the job finished."""
    worker = start(workers, extra_env=SHORT_LEASE)
    job_id = submit(uows, org, org.peer_mentors)
    with barrier_closed(superuser_engine) as open_barrier:
        task_id = send(job_id)
        wait_for(lambda: waiting_at_barrier(superuser_engine), timeout=30)
        kill_child(worker)
        assert rows(superuser_engine, job_id) == 0
        open_barrier()
    assert wait_terminal(superuser_engine, job_id) == "succeeded"
    committed = job_row(superuser_engine, job_id)
    assert committed[1] == 1
    assert rows(superuser_engine, job_id) == len(org.peer_mentors)
    wait_for(lambda: succeeded_in_log(worker, task_id), timeout=60)  # redelivered: a no-op
    assert job_row(superuser_engine, job_id) == committed
    assert rows(superuser_engine, job_id) == len(org.peer_mentors)


def test_worker_killed_after_commit_before_ack_redelivery_is_a_no_op(
    workers: list[Worker], tmp_path: Path, uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    flag = tmp_path / "pause"
    flag.touch()
    worker = start(
        workers,
        include="tests.integration.worker_hooks",
        extra_env={"BULKREG_TEST_PAUSE_FILE": str(flag)},
    )
    job_id = submit(uows, org, org.peer_mentors[:7])
    task_id = send(job_id)
    paused = Path(str(flag) + ".paused")
    wait_for(paused.exists, timeout=30)
    committed = job_row(superuser_engine, job_id)
    assert committed[0] == "succeeded" and rows(superuser_engine, job_id) == 7

    flag.unlink()
    os.kill(int(paused.read_text()), signal.SIGKILL)  # the message was never acknowledged
    wait_for(lambda: succeeded_in_log(worker, task_id), timeout=60)  # redelivered, same task id

    assert job_row(superuser_engine, job_id) == committed
    assert rows(superuser_engine, job_id) == 7


def test_database_connection_killed_mid_batch_is_retried_and_succeeds_once(
    workers: list[Worker],
    insert_barrier: None,
    uows: SqlUnitsOfWork,
    org: Org,
    superuser_engine: Engine,
) -> None:
    start(workers)
    job_id = submit(uows, org, org.peer_mentors)
    with barrier_closed(superuser_engine) as open_barrier:
        send(job_id)
        (backend,) = wait_for(lambda: waiting_at_barrier(superuser_engine), timeout=30)
        with superuser_engine.connect() as admin:
            assert admin.execute(text("select pg_terminate_backend(:p)"), {"p": backend}).scalar()
        open_barrier()
    assert wait_terminal(superuser_engine, job_id) == "succeeded"
    assert job_row(superuser_engine, job_id)[1] == 2
    assert rows(superuser_engine, job_id) == len(org.peer_mentors)


def test_the_same_job_delivered_twice_at_once_is_processed_once(
    workers: list[Worker],
    insert_barrier: None,
    uows: SqlUnitsOfWork,
    org: Org,
    superuser_engine: Engine,
) -> None:
    """The second delivery arrives while the first worker holds the job, as a delivery
    after Redis' visibility timeout would: the lease keeps it from running concurrently."""
    first, second = start(workers, extra_env=SHORT_LEASE), start(workers, extra_env=SHORT_LEASE)
    job_id = submit(uows, org, org.peer_mentors[:9])
    with barrier_closed(superuser_engine) as open_barrier:
        tasks = [send(job_id), send(job_id)]
        wait_for(lambda: waiting_at_barrier(superuser_engine), timeout=30)
        wait_for(
            lambda: "Retry in" in first.log_path.read_text() + second.log_path.read_text(),
            timeout=30,
        )
        assert len(waiting_at_barrier(superuser_engine)) == 1
        assert job_row(superuser_engine, job_id)[:2] == ("running", 1)
        open_barrier()
    assert wait_terminal(superuser_engine, job_id) == "succeeded"
    wait_for(
        lambda: all(succeeded_in_log(first, t) or succeeded_in_log(second, t) for t in tasks),
        timeout=60,
    )
    assert job_row(superuser_engine, job_id)[1] == 1
    assert rows(superuser_engine, job_id) == 9
