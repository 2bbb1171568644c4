"""The audit log, for admins."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import Timestamp


class AuditEntryOut(BaseModel):
    id: int
    at: Timestamp
    actor_id: UUID | None
    action: str
    target: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None
