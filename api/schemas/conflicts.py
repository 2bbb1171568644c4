"""A conflict: the activity already registered that a new one would duplicate. A bulk job's
item shows one; a refused proxy registration's problem shows one with whose activity it is."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import Timestamp
from domain.errors import ExistingActivity
from domain.model import Source


class Conflict(BaseModel):
    """The activity already registered that a new one would duplicate: all a coordinator
    needs to decide."""

    activity_id: UUID
    registered_by: UUID
    activity_type: str
    occurred_on: date
    created_at: Timestamp
    duration_minutes: int | None
    notes: str | None
    source: Source | None
    bulk_job_id: UUID | None

    @classmethod
    def of(cls, c: ExistingActivity) -> Self:
        return cls(
            activity_id=c.activity_id,
            registered_by=c.registered_by,
            activity_type=c.activity_type,
            occurred_on=c.occurred_on,
            created_at=c.created_at,
            duration_minutes=c.duration_minutes,
            notes=c.notes,
            source=Source(c.source) if c.source else None,
            bulk_job_id=c.bulk_job_id,
        )


class ParticipantConflict(Conflict):
    """A proxy registration's conflict: whose activity it is, too."""

    peer_mentor_id: UUID

    @classmethod
    def of(cls, c: ExistingActivity) -> Self:
        return cls(**Conflict.of(c).model_dump(), peer_mentor_id=c.peer_mentor_id)
