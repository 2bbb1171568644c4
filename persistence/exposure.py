"""The responder's exposure report, as the owner from the CLI: every activity written in a
window, with its registrar's role at the time, and the ones that look misattributed
(``repositories.attribution``), which it can file as anomalies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, text

from persistence.repositories.attribution import EXPOSURE, FILE_EXPOSED


@dataclass(frozen=True)
class Exposed:
    activity_id: UUID
    created_at: datetime
    peer_mentor_id: UUID
    registered_by: UUID
    registrar_role: str | None  # None: not a user of this organization at the time
    registrar_active: bool | None
    source: str
    bulk_job_id: UUID | None
    deleted_at: datetime | None
    misattributed: bool


def report(
    engine: Engine, org_id: UUID, since: datetime, until: datetime, registered_by: UUID | None
) -> list[Exposed]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(EXPOSURE.text),
            {"org": org_id, "from": since, "to": until, "by": registered_by},
        ).all()
    return [Exposed(**row._asdict()) for row in rows]


def file_anomalies(engine: Engine, org_id: UUID, activity_ids: list[UUID]) -> int:
    """Record the marked activities as ``misattributed_records`` anomalies (one per job, or
    one for the records without a job), joining an open one; returns how many were filed
    or joined."""
    with engine.begin() as conn:
        return conn.execute(text(FILE_EXPOSED.text), {"org": org_id, "ids": activity_ids}).rowcount
