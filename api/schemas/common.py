"""What every response shape shares: the timestamp's written form, and writing a model as
the response body."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import Response
from pydantic import BaseModel, PlainSerializer, WithJsonSchema


def json_response(
    body: BaseModel,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    media_type: str = "application/json",
    exclude_none: bool = False,
) -> Response:
    return Response(
        body.model_dump_json(exclude_none=exclude_none), status, headers, media_type=media_type
    )


# Timestamps are written as ``datetime.isoformat`` writes them (``+00:00``), as they always
# have been: pydantic's own form (``Z``) would change what clients compare.
Timestamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
