"""Jobs are sent to the workers of their size."""

from __future__ import annotations

from bulkreg.foundation.names import LARGE_QUEUE, SMALL_QUEUE
from bulkreg.foundation.settings import Settings
from bulkreg.publisher import queue_for


def test_jobs_over_the_threshold_go_to_the_large_queue() -> None:
    settings = Settings(large_job_participants=1000)
    assert queue_for(15, settings) == SMALL_QUEUE
    assert queue_for(1000, settings) == SMALL_QUEUE
    assert queue_for(1001, settings) == LARGE_QUEUE
    assert queue_for(10_000, Settings(large_job_participants=20_000)) == SMALL_QUEUE
