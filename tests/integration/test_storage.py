"""How rows are laid out on disk, where the layout is a promise of the schema."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from sqlalchemy import Engine, text

from domain.model import JobStatus
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import process, submit
from tests.support.orgs import Org


def item_pages(engine: Engine, job_id: UUID) -> dict[int, int]:
    """Each item's page in bulk_job_items, by index (a row updated in place — HOT — stays on
    its page; one that did not fit moved to another, and into the primary key again)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select idx, (ctid::text::point)[0]::int as page from bulk_job_items "
                "where job_id = :j"
            ),
            {"j": job_id},
        )
        return {row.idx: row.page for row in rows}


def test_every_item_outcome_is_written_in_place(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], superuser_engine: Engine
) -> None:
    """Migration 0008: each page of bulk_job_items keeps room for its items' outcomes. At the
    fillfactor of 0002, four in ten outcomes of a large job moved to a new page."""
    org = org_factory(600)
    job_id = submit(uows, org, org.peer_mentors)
    before = item_pages(superuser_engine, job_id)
    assert len(set(before.values())) > 5  # the job spans many pages
    assert process(uows, job_id) is JobStatus.SUCCEEDED
    after = item_pages(superuser_engine, job_id)
    assert after == before
