"""Sending job ids to the workers, by task name (the publisher needs no worker code).

A request never waits on the broker for long: one try, with short socket timeouts. A job whose
send failed is not left to the sweeper's threshold (``BULKREG_SWEEP_QUEUED_AFTER_SECONDS``,
a minute by default): the process tries it again in the background, at a growing interval of
at most ``RETRY_CEILING_SECONDS``, and sends it as soon as the broker answers. The job row
stays the outbox: if this process dies, or the broker stays away longer than the sweeper's
threshold (the retries end there), the sweeper sends it. A job sent twice is harmless: the
claim lets one worker take it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol
from uuid import UUID

from celery import Celery

from bulkreg.foundation.names import JOB_TASK, LARGE_QUEUE, SMALL_QUEUE
from bulkreg.foundation.settings import Settings, get_settings
from domain.ports.jobs import Sendable

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 0.5
RETRY_FIRST_SECONDS = 0.2
RETRY_CEILING_SECONDS = 1.0
MAX_WAITING = 10_000  # beyond this, a failed send is the sweeper's alone


class Producer(Protocol):
    def send_task(self, name: str, *args: Any, **kwargs: Any) -> Any: ...


@lru_cache(maxsize=1)
def producer() -> Celery:
    """A Celery app that only sends: configured like the workers'
    (``bulkreg.foundation.celeryconfig``), with the publisher's own bounds."""
    app = Celery("bulkreg")
    app.config_from_object("bulkreg.foundation.celeryconfig")
    app.conf.broker_transport_options = app.conf.broker_transport_options | {
        "socket_connect_timeout": PUBLISH_TIMEOUT_SECONDS,
        "socket_timeout": PUBLISH_TIMEOUT_SECONDS,
    }
    app.conf.broker_connection_timeout = PUBLISH_TIMEOUT_SECONDS
    return app


def queue_for(participants: int, settings: Settings) -> str:
    """Jobs over ``BULKREG_LARGE_JOB_PARTICIPANTS`` go to the large jobs' own worker, so a
    15-participant job never waits behind a 10,000-participant one."""
    return LARGE_QUEUE if participants > settings.large_job_participants else SMALL_QUEUE


def _first_line(error: BaseException) -> str:
    # One line, not the exception's chain: a broker outage would otherwise write a hundred
    # lines per submission.
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


class Publisher:
    def __init__(
        self,
        producer: Callable[[], Producer] = producer,
        settings: Callable[[], Settings] = get_settings,
    ) -> None:
        self._producer = producer
        self._settings = settings
        self._waiting: dict[UUID, tuple[Sendable, float]] = {}  # job → when the retries end
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._retrier: threading.Thread | None = None

    def enqueue(self, job: Sendable) -> None:
        """Send the job to the workers of its size; never raises for the broker's sake."""
        try:
            self._send(job)
        except Exception as error:  # any broker failure: tried again in the background
            log.warning(
                "could not send job %s to the broker (%s); trying again as it answers",
                job.job_id,
                _first_line(error),
            )
            self._wait_for_broker(job)

    def close(self) -> None:
        """Stop trying again (what waits is the sweeper's)."""
        self._closed.set()
        self._wake.set()
        if self._retrier is not None:
            self._retrier.join(timeout=5)

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _send(self, job: Sendable) -> None:
        args = [str(job.job_id)]
        self._producer().send_task(
            JOB_TASK,
            args=args,
            queue=queue_for(job.participants, self._settings()),
            argsrepr=repr(args),  # what Flower shows; Celery's own saferepr costs more
            kwargsrepr="{}",
            retry=False,
        )

    def _wait_for_broker(self, job: Sendable) -> None:
        ends = time.monotonic() + self._settings().sweep_queued_after_seconds
        with self._lock:
            if len(self._waiting) >= MAX_WAITING or self._closed.is_set():
                return
            self._waiting[job.job_id] = (job, ends)
            if self._retrier is None or not self._retrier.is_alive():
                self._retrier = threading.Thread(
                    target=self._retry, name="publisher-retry", daemon=True
                )
                self._retrier.start()

    def _retry(self) -> None:
        pause = RETRY_FIRST_SECONDS
        while not self._closed.is_set():
            self._wake.wait(pause)
            with self._lock:
                now = time.monotonic()
                for job_id in [j for j, (_, ends) in self._waiting.items() if ends < now]:
                    del self._waiting[job_id]  # the sweeper's now
                due = [job for job, _ in self._waiting.values()]
                if not due:
                    self._retrier = None
                    return
            try:
                for job in due:
                    self._send(job)
                    with self._lock:
                        self._waiting.pop(job.job_id, None)
                    log.info("sent job %s: the broker answers again", job.job_id)
                pause = RETRY_FIRST_SECONDS
            except Exception:  # still away: the next try a little later, no log line
                pause = min(pause * 2, RETRY_CEILING_SECONDS)
