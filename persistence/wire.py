"""One transaction on one pooled connection, in as few round trips as the data allows.

psycopg's pipeline mode sends several statements before reading any answer. A transaction
queues what it does not need to wait for (``queue``): the ``BEGIN`` and the identity that
open it, and writes whose answer nobody reads. They travel with the next statement whose rows
are needed, or with the ``COMMIT``. The server still runs them one after the other, in order,
and the first error aborts everything queued behind it. A unit of work may also send a short
transaction of its own ahead of its ``BEGIN`` (its ``preamble``), committed by an explicit
``COMMIT`` in the same round trip, whose answer is read later (a ``PendingAnswer``): the worker's
claim travels that way with the opening of the transaction that processes the job. A bulk
job thus costs the worker two round trips, where one statement each had cost fifteen; the
API's submit costs two, or three with an Idempotency-Key.

The connection runs with psycopg's autocommit switched on for the life of the wire, so that
psycopg does not send a ``BEGIN`` of its own (and wait for it): the wire sends it, first, and
refuses to send anything once the transaction has ended.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg.rows import namedtuple_row
from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

from persistence.database import translated_errors

PLACEHOLDER = re.compile(r"(?<![:\w]):(\w+)")
Params = Mapping[str, Any] | None


@dataclass(frozen=True)
class Sql:
    """A statement written with ``:name`` placeholders, turned once into psycopg's form.

    ``binary`` binds every value in PostgreSQL's binary format: for a batch's large arrays,
    parsing 10,000 UUIDs from text costs more than the statement itself."""

    text: str
    binary: bool = False
    query: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        form = r"%(\1)b" if self.binary else r"%(\1)s"
        object.__setattr__(self, "query", PLACEHOLDER.sub(form, self.text))


@cache
def sql(text: str, *, binary: bool = False) -> Sql:
    """The statement for this text, converted once per process."""
    return Sql(text, binary)


BEGIN = Sql("begin")
COMMIT = Sql("commit")


class PendingAnswer:
    """A statement sent before its answer is wanted: its cursor, once it has travelled."""

    cursor: psycopg.Cursor[Any] | None = None


Queued = tuple[Sql, Params, PendingAnswer | None]


class Wire:
    """The statements of one transaction. ``queue`` holds a statement back; ``rows`` /
    ``first`` / ``count`` / ``round_trip`` / ``commit`` send what is held together with
    their own statements."""

    def __init__(
        self,
        engine: Engine,
        opening: list[tuple[Sql, Params]],
        preamble: list[Queued] | None = None,
    ) -> None:
        self._engine = engine
        self._opening: list[Queued] = [
            *(preamble or []),
            (BEGIN, None, None),
            *((statement, params, None) for statement, params in opening),
        ]
        self._queued = list(self._opening)
        self._sent = False
        self._over = False
        self._pooled: PoolProxiedConnection  # the pool's handle on the connection
        self.conn: psycopg.Connection[Any]
        self._checkout()

    def queue(self, statement: Sql, params: Params = None) -> None:
        """Send with the next round trip: for statements whose answer nobody reads."""
        self._queued.append((statement, params, None))

    def rows(self, statement: Sql, params: Params = None) -> list[Any]:
        return self._send([(statement, params)])[0].fetchall()

    def first(self, statement: Sql, params: Params = None) -> Any | None:
        return self._send([(statement, params)])[0].fetchone()

    def count(self, statement: Sql, params: Params = None) -> int:
        """How many rows the statement changed."""
        return self._send([(statement, params)])[0].rowcount

    def round_trip(self, *statements: tuple[Sql, Params]) -> list[list[Any]]:
        """The rows of each statement, all sent in one round trip and run in order."""
        return [cursor.fetchall() for cursor in self._send(list(statements))]

    def ahead(self, statement: Sql, params: Params = None) -> Callable[[], list[Any]]:
        """Send with the next round trip; the function returned gives its rows (sending it
        then if nothing else has)."""
        pending = PendingAnswer()
        self._queued.append((statement, params, pending))

        def rows() -> list[Any]:
            if pending.cursor is None:
                self._send([])
            assert pending.cursor is not None
            return pending.cursor.fetchall()

        return rows

    def answer(self, ahead: PendingAnswer) -> Any | None:
        """The first row of a statement of the preamble, sending it if it has not
        travelled yet. Its answer stands even if a later statement of the round trip failed."""
        if ahead.cursor is None:
            self._send([])
        assert ahead.cursor is not None
        return ahead.cursor.fetchone()

    def commit(self) -> None:
        if not self._sent and self._queued == self._opening:
            self._over = True  # nothing was done in this transaction: nothing to send
            return
        self._send([(COMMIT, None)])
        self._over = True

    def close(self) -> None:
        """Roll back whatever was not committed and hand the connection back to the pool;
        a connection in an unknown state is discarded instead."""
        try:
            if (
                not self.conn.closed
                and self.conn.info.transaction_status != pq.TransactionStatus.IDLE
            ):
                self.conn.rollback()
            self.conn.autocommit = False
        except psycopg.Error:
            self._pooled.invalidate()
        finally:
            self._over = True
            self._pooled.close()

    def _checkout(self) -> None:
        with translated_errors():
            self._pooled = self._engine.raw_connection()
        self.conn = self._pooled.driver_connection  # type: ignore[assignment]
        self.conn.autocommit = True

    def _send(self, wanted: list[tuple[Sql, Params]]) -> list[psycopg.Cursor[Any]]:
        """Everything queued, then ``wanted``, in one round trip; the cursors of ``wanted``."""
        if self._over:
            raise RuntimeError("this transaction has ended; open a new unit of work")
        queued, self._queued = self._queued, []
        first = not self._sent
        self._sent = True
        with translated_errors():
            try:
                return self._pipeline(queued, wanted)
            except psycopg.OperationalError:
                if not (first and self.conn.broken):
                    raise
            # The pool handed out a connection that had died while idle (the server
            # restarted, a firewall cut it). Nothing of this transaction reached the server,
            # so it starts again on a fresh connection; the pool drops its other old ones.
            self._pooled.invalidate()
            self._engine.dispose()
            self._checkout()
            return self._pipeline(queued, wanted)

    def _pipeline(
        self, queued: list[Queued], wanted: list[tuple[Sql, Params]]
    ) -> list[psycopg.Cursor[Any]]:
        cursors = [self.conn.cursor(row_factory=namedtuple_row) for _ in wanted]
        if not queued and len(wanted) == 1:
            cursors[0].execute(wanted[0][0].query, wanted[0][1])
            return cursors
        with self.conn.pipeline():
            for statement, params, ahead in queued:
                if ahead is None:
                    self.conn.execute(statement.query, params)
                else:
                    ahead.cursor = self.conn.cursor(row_factory=namedtuple_row)
                    ahead.cursor.execute(statement.query, params)
            for cursor, (statement, params) in zip(cursors, wanted, strict=True):
                cursor.execute(statement.query, params)
        return cursors
