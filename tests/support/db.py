"""Reading the database from outside the code under test, waiting for it, and holding it
still at chosen points (barriers)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Engine, text

T = TypeVar("T")


def count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def wait_for(predicate: Callable[[], T | None], timeout: float = 30, interval: float = 0.1) -> T:
    """The predicate's first truthy answer, asked every ``interval`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


BARRIER = 424242


def waiting_at_barrier(engine: Engine) -> list[int]:
    """Backend pids of the transactions held at the barrier."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "select pid from pg_locks where locktype = 'advisory' and objid = :b "
                    "and not granted"
                ),
                {"b": BARRIER},
            ).scalars()
        )


@contextmanager
def barrier_closed(engine: Engine) -> Iterator[Callable[[], None]]:
    """Hold the insert barrier shut; call the yielded function to open it (or leave the
    block). Transactions that reach an insert meanwhile wait at the barrier."""
    with engine.connect() as lock:
        lock.execute(text("select pg_advisory_lock(:b)"), {"b": BARRIER})
        opened = False

        def release() -> None:
            nonlocal opened
            if not opened:
                lock.execute(text("select pg_advisory_unlock(:b)"), {"b": BARRIER})
                lock.commit()
                opened = True

        try:
            yield release
        finally:
            release()


@contextmanager
def duplicate_check_held(engine: Engine) -> Iterator[Callable[[], list[int]]]:
    """Hold an ACCESS EXCLUSIVE lock on activities: a job's duplicate check (a read) waits,
    inside its transaction and before the worker has sent any write or its COMMIT. Yields
    a function listing the backends waiting; leaving the block lets them through."""
    with engine.connect() as lock:
        lock.execute(text("lock table activities in access exclusive mode"))

        def waiting() -> list[int]:
            with engine.connect() as conn:
                return list(
                    conn.execute(
                        text(
                            "select pid from pg_locks where relation = 'activities'::regclass "
                            "and not granted"
                        )
                    ).scalars()
                )

        try:
            yield waiting
        finally:
            lock.rollback()


def job_row(engine: Engine, job_id: UUID) -> tuple[str, int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text("select status, attempts, version from bulk_jobs where id = :j"), {"j": job_id}
        ).one()
    return row.status, row.attempts, row.version


def wait_terminal(engine: Engine, job_id: UUID, timeout: float = 60) -> str:
    def done() -> str | None:
        status = job_row(engine, job_id)[0]
        return status if status not in ("queued", "running") else None

    return str(wait_for(done, timeout))
