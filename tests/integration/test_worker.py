"""Jobs processed by a real Celery worker process over a real Redis broker."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bulkreg import composition_root
from domain.model import JobStatus
from domain.services import processing
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count, job_row, wait_for, wait_terminal
from tests.support.jobs import submit
from tests.support.orgs import Org
from tests.support.worker import Worker
from workers.tasks import process_bulk_job


@pytest.fixture
def live_uows(api_engine: Engine, worker_engine: Engine) -> SqlUnitsOfWork:
    """Units of work that really send their messages to the broker after commit."""
    return SqlUnitsOfWork(api_engine, composition_root.enqueue, worker_engine=worker_engine)


def test_a_worker_process_commits_a_submitted_job(
    worker: Worker, live_uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    job_id = submit(live_uows, org, org.peer_mentors[:15])
    assert wait_terminal(superuser_engine, job_id) == "succeeded"
    assert (
        count(superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job_id)
        == 15
    )


def test_a_redelivered_message_does_nothing(
    worker: Worker,
    live_uows: SqlUnitsOfWork,
    uows: SqlUnitsOfWork,
    org: Org,
    superuser_engine: Engine,
) -> None:
    job_id = submit(live_uows, org, org.peer_mentors[:5])
    assert wait_terminal(superuser_engine, job_id) == "succeeded"
    before = job_row(superuser_engine, job_id)

    # In this process: the claim finds nothing to do.
    assert processing.process(uows, job_id, lease_seconds=30, max_attempts=5) is None
    # Through the broker and the worker: the same message again.
    result = process_bulk_job.apply_async(args=[str(job_id)])
    wait_for(lambda: f"[{result.id}] succeeded" in worker.log_path.read_text(), timeout=30)

    assert job_row(superuser_engine, job_id) == before
    assert (
        count(superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job_id)
        == 5
    )


def test_review_skip_and_fail_modes_through_the_worker(
    worker: Worker, live_uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    first = submit(live_uows, org, org.peer_mentors[:3])
    assert wait_terminal(superuser_engine, first) == JobStatus.SUCCEEDED
    overlapping = org.peer_mentors[:6]
    outcomes = {}
    for mode in ("review", "fail", "skip"):
        job_id = submit(live_uows, org, overlapping, on_conflict=mode)
        outcomes[mode] = (
            wait_terminal(superuser_engine, job_id),
            count(
                superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job_id
            ),
        )
    assert outcomes == {
        "review": ("needs_review", 0),
        "fail": ("failed", 0),
        "skip": ("succeeded", 3),
    }


def test_json_logs_carry_the_job_id_on_every_line_of_the_job(
    servers: object, api_engine: Engine, org: Org, superuser_engine: Engine, uows: SqlUnitsOfWork
) -> None:
    import json

    json_worker = Worker(
        concurrency=1, queues="json-logs", extra_env={"BULKREG_LOG_FORMAT": "json"}
    ).start()
    try:
        job_id = submit(uows, org, org.peer_mentors[:3])
        result = process_bulk_job.apply_async(args=[str(job_id)], queue="json-logs")
        wait_for(lambda: f"[{result.id}] succeeded" in json_worker.log_path.read_text(), timeout=30)
    finally:
        json_worker.stop()
    records = [
        json.loads(line)
        for line in json_worker.log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    about_job = [r for r in records if result.id in r["message"] or r.get("job_id") == str(job_id)]
    assert len(about_job) >= 4  # received, claim, committed, succeeded
    assert all(r["job_id"] == str(job_id) for r in about_job)
    assert {"time", "level", "logger", "message"} <= set(about_job[0])
    assert any("committed: succeeded, 3 activities written" in r["message"] for r in about_job)
