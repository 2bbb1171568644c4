"""The problem+json body (RFC 9457) and the OpenAPI entry of the problems an operation may
answer with."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field

from api.schemas.conflicts import ParticipantConflict
from domain.errors import FieldError


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str

    @classmethod
    def of(cls, error: FieldError) -> Self:
        return cls(loc=list(error.loc), msg=error.msg, type=error.type)


class Problem(BaseModel):
    """RFC 9457 problem details, with a ``code`` member; ``errors`` and ``conflict`` only
    where they apply."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldProblem] | None = None
    conflict: ParticipantConflict | None = None
    failed: list[str] | None = Field(None, description="/readyz: the servers not answering")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """The OpenAPI ``responses`` entry of the problems an operation may answer with."""
    return {s: {"model": Problem, "content": {"application/problem+json": {}}} for s in statuses}
