"""Normal paths leave no error in any log; a failure says so in one line."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from uuid import uuid4

import pytest

from bulkreg.publisher import Publisher
from domain.model import JobStatus
from domain.ports.jobs import Sendable
from persistence.uow import SqlUnitsOfWork
from tests.support.db import wait_for
from tests.support.jobs import process, submit
from tests.support.orgs import Org
from tests.support.servers import Servers
from tests.support.worker import Worker
from workers.tasks import process_bulk_job


def postgres_errors(servers: Servers) -> int:
    log = servers.data_dir / "logs" / "postgres.log"
    return sum("ERROR:" in line for line in log.read_text(errors="replace").splitlines())


def test_a_delivery_with_nothing_to_take_leaves_no_error_anywhere(
    servers: Servers, uows: SqlUnitsOfWork, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = submit(uows, org, org.peer_mentors[:3])
    assert process(uows, job_id) is JobStatus.SUCCEEDED
    before = postgres_errors(servers)
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):  # redeliveries of a finished job, and of an unknown one
            assert process(uows, job_id) is None
            assert process(uows, uuid4()) is None
    assert postgres_errors(servers) == before
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_failed_publish_is_one_line(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(*_: object, **__: object) -> None:
        try:
            raise OSError("Connection refused")
        except OSError as cause:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6390.") from cause

    publisher = Publisher(lambda: SimpleNamespace(send_task=refuse))
    with caplog.at_level(logging.INFO):
        publisher.enqueue(Sendable(uuid4(), 3))  # does not raise: tried again in the background
        publisher.close()
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "ConnectionError: Error 111" in record.getMessage()
    assert "\n" not in record.getMessage()


def test_a_malformed_message_is_acknowledged_with_one_line() -> None:
    worker = Worker(concurrency=1, queues="malformed").start()
    try:
        result = process_bulk_job.apply_async(args=["not-a-job-id"], queue="malformed")
        wait_for(
            lambda: f"[{result.id}] succeeded" in worker.log_path.read_text(errors="replace"),
            timeout=30,
        )
        log = worker.log_path.read_text(errors="replace")
    finally:
        worker.stop()
    assert log.count("dropped a message whose job id is not a UUID: 'not-a-job-id'") == 1
    assert "Traceback" not in log
