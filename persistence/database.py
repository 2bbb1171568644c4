"""Engines and the translation of driver errors into the domain's transient errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg.errors
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from domain.errors import TransientError

TRANSIENT_SQLSTATES = {
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.LockNotAvailable,
    psycopg.errors.AdminShutdown,
    psycopg.errors.QueryCanceled,
}
DUPLICATE_INDEX = "activities_no_silent_duplicate"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )


def transient_reason(error: BaseException) -> str | None:
    """Why a database error is worth retrying from scratch, or None if it is not."""
    if isinstance(error, OperationalError | InterfaceError):
        return "database connection lost"
    if isinstance(error, DBAPIError):
        orig = error.orig
        if isinstance(orig, tuple(TRANSIENT_SQLSTATES)):
            return type(orig).__name__
        if isinstance(orig, psycopg.errors.UniqueViolation):
            diag = getattr(orig, "diag", None)
            if diag is not None and diag.constraint_name == DUPLICATE_INDEX:
                return "a concurrent registration of the same activity"
        if isinstance(orig, psycopg.OperationalError):
            return "database connection lost"
    return None


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        reason = transient_reason(error)
        if reason is None:
            raise
        raise TransientError(reason) from error


def answers(engine: Engine) -> bool:
    """Readiness: can we open a connection and run a statement right now?"""
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except DBAPIError:
        return False
