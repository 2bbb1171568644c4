"""PostgreSQL's LISTEN/NOTIFY, for those who wait: a long poll on a job (the API), and the
relay waiting for deliveries.

A job's every new version notifies ``bulkreg_job_changed`` with its id, at commit (the
trigger ``bulk_jobs_changed``, calling ``app.job_changed``). One connection per API process listens and wakes the long polls waiting on that job:
a waiting request holds an ``asyncio.Event``, not a database connection or a thread. When the
listening connection is lost, every waiter is woken to look again (a notification may have
been missed), and until it is back they look again every second.

Why LISTEN/NOTIFY rather than Redis pub/sub: the notification is sent by the transaction that
changes the job, at its commit and only then — by every path that changes a job (the worker,
the API's resolve and cancel, the sweeper) — so no path can forget it and a rolled-back change
wakes nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import psycopg

from persistence.database import libpq_url

log = logging.getLogger(__name__)

JOB_CHANGED = "bulkreg_job_changed"
DELIVERIES = "bulkreg_deliveries"
DEGRADED_RECHECK_SECONDS = 1.0


class Watch:
    """One waiter's view: set when its job changed (or when it should look again)."""

    def __init__(self, changes: JobChanges) -> None:
        self._changes = changes
        self.event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True when woken (the job may have changed)."""
        if timeout <= 0:
            return False
        if not self._changes.listening:
            timeout = min(timeout, DEGRADED_RECHECK_SECONDS)
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return not self._changes.listening  # degraded: look again as if woken
        self.event.clear()
        return True


class JobChanges:
    """The listener of one process, started with the first waiter."""

    def __init__(self, url: str) -> None:
        self.url = libpq_url(url)
        self.listening = False
        self._ready = asyncio.Event()
        self._waiters: dict[str, set[Watch]] = {}
        self._task: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def watch(self, job_id: UUID, ready_within: float = 2.0) -> AsyncIterator[Watch]:
        """Register before looking at the job, so that no change between the look and the
        wait goes unseen."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="bulkreg-job-changes")
        watch = Watch(self)
        key = str(job_id)
        self._waiters.setdefault(key, set()).add(watch)
        try:
            if not self.listening:
                # Not ready in time: degraded, the watch looks again every second.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ready.wait(), ready_within)
            watch.event.clear()  # the caller looks at the job next: that covers any wake so far
            yield watch
        finally:
            waiting = self._waiters.get(key)
            if waiting is not None:
                waiting.discard(watch)
                if not waiting:
                    del self._waiters[key]

    def _wake(self, key: str | None) -> None:
        targets = (
            [w for ws in self._waiters.values() for w in ws]
            if key is None
            else list(self._waiters.get(key, ()))
        )
        for watch in targets:
            watch.event.set()

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {JOB_CHANGED}")
                    self.listening = True
                    self._ready.set()
                    self._wake(None)  # anything missed while not listening: look again
                    delay = 0.5
                    async for notice in conn.notifies():
                        self._wake(notice.payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("job changes: listening connection lost (%s); reconnecting", error)
            finally:
                self.listening = False
                self._ready.clear()
                self._wake(None)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def wait_for_deliveries(conn: psycopg.Connection[Any], timeout: float) -> bool:
    """Block until a delivery is queued (``NOTIFY bulkreg_deliveries``) or ``timeout``
    passes; ``conn`` listens already. True when notified."""
    for _ in conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
        return True
    return False


def listening(url: str, channel: str = DELIVERIES) -> psycopg.Connection[Any]:
    conn = psycopg.connect(libpq_url(url), autocommit=True)
    conn.execute(f"LISTEN {channel}")
    return conn
