"""A job whose send failed is sent again as soon as the broker answers, not left for the
sweeper's threshold; a broker that stays away is the sweeper's after that threshold."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from bulkreg.foundation.settings import Settings
from bulkreg.publisher import Publisher
from domain.ports.jobs import Sendable
from tests.support.db import wait_for

JOB = Sendable(UUID(int=1), 15)


class Broker:
    """Refuses every send until ``back`` is set; records what it took."""

    def __init__(self) -> None:
        self.back = threading.Event()
        self.took: list[list[str]] = []
        self.took_one = threading.Event()

    def send_task(self, name: str, *_: Any, args: list[str], **__: Any) -> None:
        if not self.back.is_set():
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6390.")
        self.took.append(args)
        self.took_one.set()


def test_a_job_is_sent_as_soon_as_the_broker_answers_again() -> None:
    broker = Broker()
    publisher = Publisher(lambda: broker, lambda: Settings(sweep_queued_after_seconds=3600))
    try:
        publisher.enqueue(JOB)
        assert broker.took == [] and publisher.waiting() == 1
        broker.back.set()
        assert broker.took_one.wait(30)
        assert broker.took == [[str(JOB.job_id)]]
    finally:
        publisher.close()
    assert publisher.waiting() == 0


def test_past_the_sweepers_threshold_the_job_is_the_sweepers() -> None:
    broker = Broker()
    publisher = Publisher(lambda: broker, lambda: Settings(sweep_queued_after_seconds=0))
    publisher.enqueue(JOB)
    wait_for(lambda: publisher.waiting() == 0, timeout=30)  # it gives up by itself
    broker.back.set()
    publisher.close()
    assert broker.took == []
