"""What the repositories share: the columns they read, and how a batch travels.

Batches travel as arrays, bound in binary, and are expanded with ``unnest`` on the server:
one statement for 10,000 rows, and it works under forced row-level security (which rules out
``COPY FROM``). Writes whose answer nobody reads are queued on the wire (``later``) and leave
with the next round trip, at the latest with the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from domain.ports.common import Page

Row = Any  # a psycopg named tuple
T = TypeVar("T")


def sparse(values: list[Any]) -> list[Any] | None:
    """A column of a batch that is all NULL travels as one NULL array, not 10,000 NULLs:
    ``unnest`` of several arrays fills a shorter (or NULL) one with NULLs."""
    return values if any(v is not None for v in values) else None


JOB_COLUMNS = """j.id, j.org_id, j.submitted_by, j.status, j.on_conflict, j.activity, j.total,
    j.attempts, j.version, j.created_at, j.started_at, j.finished_at, j.error_code,
    j.error_message, j.undone_at, j.undone_by, j.undo_reason"""
ACTIVITY_COLUMNS = """a.id, a.org_id, a.peer_mentor_id, a.activity_type, a.occurred_on,
    a.duration_minutes, a.notes, a.registered_by, a.source, a.bulk_job_id, a.duplicate_of,
    a.created_at"""


def keyset_page(
    rows: Sequence[Row], limit: int, item: Callable[[Row], T], cursor: Callable[[T], str]
) -> Page[T]:
    """A page of a keyset listing: its statement fetched ``limit + 1`` rows, and the extra
    one only says there is a next page, whose cursor is the last item's sort key."""
    items = [item(r) for r in rows[:limit]]
    return Page(items, cursor(items[-1]) if len(rows) > limit else None)
