"""The directory: who is calling, the roster of peer mentors, the activity types."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.model import Role


class Me(BaseModel):
    """Who the token names: read from the user's record."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    org_id: UUID
    role: Role
    display_name: str
    email: str | None


class PeerMentor(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    display_name: str
    email: str | None
    member_number: str | None
    active: bool


class PeerMentorPage(BaseModel):
    items: list[PeerMentor]
    next_cursor: str | None


class ActivityTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    active: bool


class ActivityTypeList(BaseModel):
    items: list[ActivityTypeOut]
