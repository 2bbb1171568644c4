"""The events feed (docs/api.md, "Events and webhooks"): the organization's events, oldest first."""

from __future__ import annotations

from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import Timestamp
from domain.webhooks import Event


class EventOut(BaseModel):
    id: str
    type: str
    created_at: Timestamp
    org_id: UUID
    data: dict[str, Any]

    @classmethod
    def of(cls, e: Event) -> Self:
        return cls.model_validate(e.as_json())


class EventPage(BaseModel):
    items: list[EventOut]
