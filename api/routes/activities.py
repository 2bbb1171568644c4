"""Proxy registration, the activity list, and deleting one activity."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from api.body import json_body, openapi_request_body
from api.deps import CurrentPrincipal, SettingsDep, StaffPrincipal, UnitsOfWorkDep
from api.routes.bulk import PROBLEMS, limits
from api.schemas.activities import ActivityOut, ActivityPage, AuditedActivityPage, activity_response
from api.schemas.common import json_response
from api.schemas.undo import DeletionIn
from bulkreg.foundation.metrics import ACTIVITIES_COMMITTED
from domain.model import ProxyRegistration, Source
from domain.ports.activities import ActivityFilter
from domain.services import activities, proxy, undo

router = APIRouter(tags=["activities"])


@router.post(
    "/v1/proxy-registrations",
    status_code=201,
    response_model=ActivityOut,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(ProxyRegistration),
)
def register_proxy(
    principal: StaffPrincipal,
    registration: Annotated[ProxyRegistration, json_body(ProxyRegistration)],
    uows: UnitsOfWorkDep,
    settings: SettingsDep,
) -> Response:
    activity = proxy.register(uows, principal, registration, limits=limits(settings))
    ACTIVITIES_COMMITTED.labels("proxy").inc()
    return activity_response(activity, 201)


@router.get(
    "/v1/activities",
    response_model=ActivityPage | AuditedActivityPage,
    responses=PROBLEMS,
)
def list_activities(
    principal: CurrentPrincipal,
    uows: UnitsOfWorkDep,
    peer_mentor_id: UUID | None = None,
    bulk_job_id: UUID | None = None,
    registered_by: UUID | None = None,
    source: Source | None = None,
    created_from: Annotated[AwareDatetime | None, Query(description="RFC 3339, inclusive")] = None,
    created_to: Annotated[AwareDatetime | None, Query(description="RFC 3339, exclusive")] = None,
    include_deleted: Annotated[
        bool, Query(description="staff only: deleted activities too, with who and why")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    flt = ActivityFilter(
        peer_mentor_id,
        bulk_job_id,
        registered_by,
        source,
        created_from,
        created_to,
        include_deleted,
    )
    page = activities.list_activities(uows, principal, flt, cursor, limit)
    if include_deleted:
        return json_response(
            AuditedActivityPage.model_validate(
                {"items": page.items, "next_cursor": page.next_cursor}, from_attributes=True
            )
        )
    return json_response(
        ActivityPage.model_validate(
            {"items": page.items, "next_cursor": page.next_cursor}, from_attributes=True
        )
    )


@router.delete(
    "/v1/activities/{activity_id}",
    status_code=204,
    response_class=Response,
    responses=PROBLEMS | {204: {"description": "deleted (it stays, marked, with who and why)"}},
    openapi_extra=openapi_request_body(DeletionIn),
)
def delete_activity(
    activity_id: UUID,
    principal: CurrentPrincipal,
    body: Annotated[DeletionIn, json_body(DeletionIn)],
    uows: UnitsOfWorkDep,
) -> Response:
    """Staff delete their organization's records; a peer mentor, a record they registered
    themselves."""
    undo.delete_activity(uows, principal, activity_id, reason=body.reason)
    return Response(status_code=204)
