"""A person's data (docs/api.md, "Personal data"), for admins of their organization: all of
it exported, or erased."""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from api.body import json_body, openapi_request_body
from api.deps import AdminPrincipal
from api.routes.bulk import PROBLEMS
from api.schemas.common import json_response
from bulkreg import composition_root
from domain.ports.privacy import PersonalData
from domain.services import privacy
from domain.text import MultiLine

router = APIRouter(prefix="/v1/people", tags=["personal data"])

Reason = Annotated[str, StringConstraints(min_length=1, max_length=privacy.MAX_REASON), *MultiLine]


class ErasureIn(BaseModel):
    """``POST /v1/people/{user_id}/erase``."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason


class Erased(BaseModel):
    id: UUID
    display_name: str


async def personal_data() -> PersonalData:
    return composition_root.personal_data()


PersonalDataDep = Annotated[PersonalData, Depends(personal_data)]


@router.get(
    "/{user_id}/export",
    responses=PROBLEMS | {200: {"description": "everything held about the person"}},
)
def export(user_id: UUID, principal: AdminPrincipal, people: PersonalDataDep) -> Response:
    """Everything held about the person, as one JSON document: profile, role history,
    activities, job items, audit entries, events, webhook deliveries, emails, sign-in links
    and screen sessions (times only)."""
    found: dict[str, Any] = privacy.export(people, principal, user_id)
    return Response(
        json.dumps(found, ensure_ascii=False),
        200,
        {"Content-Disposition": f'attachment; filename="person-{user_id}.json"'},
        media_type="application/json",
    )


@router.post(
    "/{user_id}/erase",
    response_model=Erased,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(ErasureIn),
)
def erase(
    user_id: UUID,
    principal: AdminPrincipal,
    body: Annotated[ErasureIn, json_body(ErasureIn)],
    people: PersonalDataDep,
) -> Response:
    """Deactivate the person and replace their name, email, member number and sign-in
    subject by a pseudonym everywhere, in one transaction; ``409`` if already erased."""
    pseudonym = privacy.erase(people, principal, user_id, reason=body.reason)
    return json_response(Erased(id=user_id, display_name=pseudonym))
