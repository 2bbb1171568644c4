"""The audit log (docs/api.md, "Audit log"), for admins."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from api.deps import AdminPrincipal, UnitsOfWorkDep
from api.routes.bulk import PROBLEMS
from api.schemas.audit import AuditEntryOut, AuditPage
from api.schemas.common import json_response
from domain.ports.audit import AuditFilter
from domain.services import audit

router = APIRouter(tags=["audit"])
TEXT = r"^[^\x00]*$"


@router.get("/v1/audit-log", response_model=AuditPage, responses=PROBLEMS)
def audit_log(
    principal: AdminPrincipal,
    uows: UnitsOfWorkDep,
    actor_id: UUID | None = None,
    action: Annotated[str | None, Query(max_length=100, pattern=TEXT)] = None,
    target: Annotated[str | None, Query(max_length=200, pattern=TEXT)] = None,
    from_: Annotated[
        AwareDatetime | None, Query(alias="from", description="RFC 3339, inclusive")
    ] = None,
    to: Annotated[AwareDatetime | None, Query(description="RFC 3339, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = audit.entries(
        uows, principal, AuditFilter(actor_id, action, target, from_, to), cursor, limit
    )
    return json_response(
        AuditPage(
            items=[AuditEntryOut(**vars(e)) for e in page.items],
            next_cursor=page.next_cursor,
        )
    )
