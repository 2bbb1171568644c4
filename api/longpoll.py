"""Waiting for a job to change, for the API's long poll and the screen's job page alike.

The waiter registers with the process's listener (``composition_root.job_changes``) *before* it
looks at the job, looks in the thread pool, and between looks waits on a notification: no
database connection and no thread are held while it waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from bulkreg import composition_root

T = TypeVar("T")


async def until_changed(
    job_id: UUID, seconds: float, look: Callable[[], T], unchanged: Callable[[T], bool]
) -> T:
    """``look()`` again whenever the job may have changed, until ``unchanged`` says it has
    or ``seconds`` pass; returns the last look."""
    deadline = time.monotonic() + seconds
    async with composition_root.job_changes().watch(job_id) as changed:
        while True:
            seen = await run_in_threadpool(look)
            remaining = deadline - time.monotonic()
            if not unchanged(seen) or remaining <= 0:
                return seen
            await changed.wait(remaining)
