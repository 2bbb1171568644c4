"""Anomalies the reconciler found, and their resolution."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Response

from api.body import json_body, openapi_request_body
from api.deps import StaffPrincipal, UnitsOfWorkDep
from api.routes.bulk import PROBLEMS
from api.schemas.anomalies import AnomalyPage, ResolvableAnomaly
from api.schemas.common import json_response
from domain.model import AnomalyResolution
from domain.services import anomalies

router = APIRouter(prefix="/v1/anomalies", tags=["anomalies"])


@router.get("", response_model=AnomalyPage, responses=PROBLEMS)
def list_anomalies(
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    status: Literal["open", "resolved"] | None = None,
) -> Response:
    resolved = None if status is None else status == "resolved"
    found = anomalies.list_anomalies(uows, principal, resolved)
    return json_response(AnomalyPage(items=[ResolvableAnomaly.of(a) for a in found]))


@router.post(
    "/{anomaly_id}/resolve",
    response_model=ResolvableAnomaly,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(AnomalyResolution),
)
def resolve(
    anomaly_id: UUID,
    principal: StaffPrincipal,
    body: Annotated[AnomalyResolution, json_body(AnomalyResolution)],
    uows: UnitsOfWorkDep,
) -> Response:
    anomaly = anomalies.resolve(uows, principal, anomaly_id, action=body.action, reason=body.reason)
    return json_response(ResolvableAnomaly.of(anomaly))
