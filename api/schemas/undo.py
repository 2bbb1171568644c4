"""Undo and repeat: why a job is undone or a record deleted (the request bodies)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from domain.services.undo import MAX_REASON
from domain.text import MultiLine

UndoReason = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON), *MultiLine]


class UndoIn(BaseModel):
    """``POST /v1/bulk-registrations/{job_id}/undo``."""

    model_config = ConfigDict(extra="forbid")
    reason: UndoReason


class DeletionIn(BaseModel):
    """``DELETE /v1/activities/{activity_id}``."""

    model_config = ConfigDict(extra="forbid")
    reason: UndoReason
