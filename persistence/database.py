"""Engines and the translation of driver errors into the domain's transient errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg.errors
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from domain.errors import InvalidState, TransientError, Unauthenticated

TRANSIENT_SQLSTATES = {
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.LockNotAvailable,
    psycopg.errors.AdminShutdown,
    psycopg.errors.QueryCanceled,
}
DUPLICATE_INDEX = "activities_no_silent_duplicate"
# The database's own guard of the job state machine (``app.guard_job_status``).
STATE_MACHINE = "job_state_machine"


def libpq_url(url: str) -> str:
    """The URL for psycopg itself: SQLAlchemy's names the driver, libpq's does not."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )


def transient_reason(error: BaseException) -> str | None:
    """Why a database error (the driver's, or SQLAlchemy's wrapping of it) is worth retrying
    from scratch, or None if it is not."""
    if isinstance(error, OperationalError | InterfaceError):
        return "database connection lost"
    orig = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(orig, tuple(TRANSIENT_SQLSTATES)):
        return type(orig).__name__
    if isinstance(orig, psycopg.errors.UniqueViolation):
        diag = getattr(orig, "diag", None)
        if diag is not None and diag.constraint_name == DUPLICATE_INDEX:
            return "a concurrent registration of the same activity"
    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        return "database connection lost"
    return None


@contextmanager
def translated_errors() -> Iterator[None]:
    """Driver errors as the domain's: a refused identity (``app.act_as``, ``app.act_for_claim``) is
    ``Unauthenticated``, a move the database's state machine refuses ``InvalidState``, a
    transient failure ``TransientError``; anything else is a bug and stays what it is."""
    try:
        yield
    except (DBAPIError, psycopg.Error) as error:
        orig = error.orig if isinstance(error, DBAPIError) else error
        if isinstance(orig, psycopg.errors.InvalidAuthorizationSpecification):
            raise Unauthenticated(
                "unknown or inactive user, or the role or organization changed"
            ) from error
        if isinstance(orig, psycopg.errors.CheckViolation) and (
            getattr(orig.diag, "constraint_name", None) == STATE_MACHINE
        ):
            raise InvalidState(
                orig.diag.message_primary or "not a move of the state machine"
            ) from error
        reason = transient_reason(error)
        if reason is None:
            raise
        raise TransientError(reason) from error


def answers(engine: Engine) -> bool:
    """Readiness: can we open a connection and run a statement right now? A pooled
    connection found dead (the server restarted) is replaced once, not reported."""
    for _ in range(2):
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            return True
        except DBAPIError as error:
            if not error.connection_invalidated:
                return False
    return False
