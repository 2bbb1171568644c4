"""Waiting for a job to change, for the API's long poll and the screen's job page alike.

The waiter registers with the process's listener (``composition_root.job_changes``) *before* it
looks at the job, looks in the thread pool, and between looks waits on a notification: no
database connection and no thread are held while it waits.

A thousand waiters must neither crowd out the normal polls nor answer late. Their looks take
at most ``LOOKS_AT_ONCE`` of the thread pool's threads (and so of the connection pool), so a
normal poll never queues behind them; a wait that runs out without a notification answers
with its last look (nothing changed since: it registered before looking), instead of all of
them looking again at the same instant; and a look the waiter would queue for past its
deadline is skipped."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

import anyio.to_thread
from anyio import CapacityLimiter

from bulkreg import composition_root

T = TypeVar("T")

LOOKS_AT_ONCE = 4
# How long past its deadline a long poll may still queue for a look (its promise is to answer
# within ``wait`` + 1 s).
GRACE_SECONDS = 0.5
_looks: CapacityLimiter | None = None


def _limiter() -> CapacityLimiter:
    """Created in the event loop that uses it (anyio binds it on first use)."""
    global _looks
    if _looks is None:
        _looks = CapacityLimiter(LOOKS_AT_ONCE)
    return _looks


async def until_changed(
    job_id: UUID, seconds: float, look: Callable[[], T], unchanged: Callable[[T], bool]
) -> T:
    """``look()`` again whenever the job may have changed, until ``unchanged`` says it has
    or ``seconds`` pass; returns the last look."""
    deadline = time.monotonic() + seconds
    async with composition_root.job_changes().watch(job_id) as changed:
        seen = await anyio.to_thread.run_sync(look, limiter=_limiter())
        while True:
            remaining = deadline - time.monotonic()
            if not unchanged(seen) or remaining <= 0:
                return seen
            if not await changed.wait(remaining):
                return seen  # the wait ran out with no notification: still unchanged
            with anyio.move_on_after(deadline + GRACE_SECONDS - time.monotonic()):
                seen = await anyio.to_thread.run_sync(look, limiter=_limiter())
                continue
            return seen  # no turn to look before the deadline: the client polls again
