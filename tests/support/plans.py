"""The plan PostgreSQL makes for a statement on ``users`` with one index left to serve it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text


def plan_with_only(
    superuser_engine: Engine, org_id: UUID, statement: str, index: str, **params: Any
) -> str:
    """``statement`` (on ``users u``, with ``:o`` the organization) as the directory's
    definer function runs it — as the owner, under row-level security — with only ``index``
    (and the primary key) to serve it: on a roster this small the planner may prefer any
    index on the organization and a filter, so the others are dropped for the length of a
    transaction that is rolled back."""
    with superuser_engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text("set local enable_seqscan = off"))
        others = conn.execute(
            text(
                "select indexname from pg_indexes where tablename = 'users' "
                "and indexname not in (:keep, 'users_pkey')"
            ),
            {"keep": index},
        ).scalars()
        conn.execute(text("drop index " + ", ".join(others)))
        conn.execute(text("set local role bulkreg_owner"))
        plan = "\n".join(
            r[0] for r in conn.execute(text(f"explain {statement}"), {"o": org_id, **params})
        )
        transaction.rollback()
    return plan
