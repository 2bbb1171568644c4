"""The organization's directory: its people and its activity types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.model import Given, UserRecord
from domain.ports.common import Page


@dataclass(frozen=True)
class DraftFacts:
    """What the rules need from the directory to check an activity draft."""

    timezone: str
    type_is_active: bool


@dataclass(frozen=True)
class ActivityType:
    code: str
    name: str
    active: bool


class Directory(Protocol):
    def user(self, user_id: UUID) -> UserRecord | None: ...
    def users(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]: ...
    def draft_facts(self, org_id: UUID, activity_type: str) -> DraftFacts: ...
    def person(self, org_id: UUID, given: Given) -> UserRecord | None:
        """The user of the organization this key names, if any (of any role or state)."""
        ...

    def peer_mentors(
        self, org_id: UUID, query: str | None, active: bool | None, cursor: str | None, limit: int
    ) -> Page[UserRecord]: ...
    def activity_types(self, org_id: UUID) -> list[ActivityType]: ...
