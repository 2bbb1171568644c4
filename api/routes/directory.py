"""The directory (docs/api.md, "Directory"): who is calling, the roster, the activity types."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import CurrentPrincipal, StaffPrincipal, UnitsOfWorkDep
from api.routes.bulk import PROBLEMS
from api.schemas.common import json_response
from api.schemas.directory import ActivityTypeList, ActivityTypeOut, Me, PeerMentor, PeerMentorPage
from domain.services import directory

router = APIRouter(tags=["directory"])


@router.get("/v1/me", response_model=Me, responses=PROBLEMS)
def me(principal: CurrentPrincipal, uows: UnitsOfWorkDep) -> Response:
    return json_response(Me.model_validate(directory.me(uows, principal)))


@router.get("/v1/peer-mentors", response_model=PeerMentorPage, responses=PROBLEMS)
def peer_mentors(
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[^\x00]*$",
            description="the start of a word of the name, of the email or of the member number",
        ),
    ] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    page = directory.peer_mentors(
        uows, principal, query=(q or "").strip() or None, active=active, cursor=cursor, limit=limit
    )
    return json_response(
        PeerMentorPage(
            items=[PeerMentor.model_validate(u) for u in page.items],
            next_cursor=page.next_cursor,
        )
    )


@router.get("/v1/activity-types", response_model=ActivityTypeList, responses=PROBLEMS)
def activity_types(principal: CurrentPrincipal, uows: UnitsOfWorkDep) -> Response:
    found = directory.activity_types(uows, principal)
    return json_response(
        ActivityTypeList(
            items=[ActivityTypeOut(code=t.code, name=t.name, active=t.active) for t in found]
        )
    )
