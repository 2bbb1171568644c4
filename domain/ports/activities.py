"""Registered activities: screening a batch, writing it, reading and deleting softly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from domain.model import Activity, ExistingActivity, NewActivity, Source, StoredActivity, UserRecord
from domain.ports.common import Page


@dataclass(frozen=True)
class ActivityFilter:
    peer_mentor_id: UUID | None = None
    bulk_job_id: UUID | None = None
    registered_by: UUID | None = None
    source: Source | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    include_deleted: bool = False


@dataclass(frozen=True)
class Screening:
    """What stands in the way of registering one activity for a batch of participants."""

    ineligible: dict[UUID, UserRecord | None]
    """Not active peer mentors of the organization, with their record (None when unknown
    or not visible). Usually empty."""
    duplicates: dict[UUID, ExistingActivity]
    """The same activity (type and date) already registered for the participant."""
    people: dict[int, tuple[UUID, str]] | None = None
    """For a job screened by its items' keys: the person (id, display name) each item
    names, by index; an item that names nobody visible is absent. None when the items
    named their people already."""


class Activities(Protocol):
    def screen(
        self, org_id: UUID, activity_type: str, occurred_on: date, peer_mentor_ids: Sequence[UUID]
    ) -> Screening:
        """Eligibility and duplicates of the whole batch in one round trip, each one
        statement however large the batch."""
        ...

    def add_many(self, activities: Sequence[NewActivity]) -> None: ...
    def soft_delete(self, activity_ids: Sequence[UUID], by: UUID, reason: str) -> int: ...
    def soft_delete_of_job(self, job_id: UUID, by: UUID, reason: str) -> int:
        """Every live activity of the job marked deleted; returns how many."""
        ...

    def get(self, activity_id: UUID) -> Activity | None: ...
    def page(self, flt: ActivityFilter, cursor: str | None, limit: int) -> Page[StoredActivity]: ...
    def by_ids(self, activity_ids: Sequence[UUID]) -> list[StoredActivity]:
        """The organization's activities of these ids, deleted ones too."""
        ...
