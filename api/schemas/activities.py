"""Activities: one registered by proxy, and the activity list (with deletions, for staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_type_hints

from fastapi import Response
from pydantic import BaseModel, ConfigDict, create_model

from api.schemas.common import Timestamp, json_response
from domain.model import Activity, StoredActivity

# An activity is written field for field as the domain holds it (the model is made from the
# dataclass, so the two cannot drift apart).
ACTIVITY_FIELDS: dict[str, Any] = {
    name: (Timestamp if hint is datetime else hint, ...)
    for name, hint in get_type_hints(Activity).items()
}
ActivityOut = create_model(
    "ActivityOut", __config__=ConfigDict(from_attributes=True), **ACTIVITY_FIELDS
)


AUDITED_FIELDS: dict[str, Any] = {
    name: (
        Timestamp | None if hint == datetime | None else ACTIVITY_FIELDS.get(name, (hint,))[0],
        ...,
    )
    for name, hint in get_type_hints(StoredActivity).items()
}
AuditedActivityOut = create_model(
    "AuditedActivityOut", __config__=ConfigDict(from_attributes=True), **AUDITED_FIELDS
)


def activity_response(activity: Activity, status: int = 200) -> Response:
    return json_response(ActivityOut.model_validate(activity), status)


class ActivityPage(BaseModel):
    items: list[ActivityOut]
    next_cursor: str | None


class AuditedActivityPage(BaseModel):
    """``include_deleted=true``: each activity with its deletion, if any."""

    items: list[AuditedActivityOut]
    next_cursor: str | None
