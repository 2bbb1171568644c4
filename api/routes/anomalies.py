"""Anomalies the reconciler found, and their resolution."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import schemas
from api.body import json_body, openapi_request_body
from api.deps import StaffPrincipal, UnitsOfWorkDep
from api.routes.bulk import PROBLEMS
from domain.model import Anomaly, AnomalyResolution
from domain.services import anomalies

router = APIRouter(prefix="/v1/anomalies", tags=["anomalies"])


class AnomalyOut(schemas.AnomalyOut):
    bulk_job_id: UUID
    resolution: str | None


class AnomalyPage(BaseModel):
    items: list[AnomalyOut]


def anomaly_out(a: Anomaly) -> dict[str, Any]:
    return schemas.anomaly(a) | {
        "bulk_job_id": str(a.bulk_job_id),
        "resolution": a.resolution.value if a.resolution else None,
    }


@router.get("", response_model=AnomalyPage, responses=PROBLEMS)
def list_anomalies(
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    status: Literal["open", "resolved"] | None = None,
) -> JSONResponse:
    resolved = None if status is None else status == "resolved"
    found = anomalies.list_anomalies(uows, principal, resolved)
    return JSONResponse({"items": [anomaly_out(a) for a in found]})


@router.post(
    "/{anomaly_id}/resolve",
    response_model=AnomalyOut,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(AnomalyResolution),
)
def resolve(
    anomaly_id: UUID,
    principal: StaffPrincipal,
    body: Annotated[AnomalyResolution, json_body(AnomalyResolution)],
    uows: UnitsOfWorkDep,
) -> JSONResponse:
    anomaly = anomalies.resolve(uows, principal, anomaly_id, action=body.action, reason=body.reason)
    return JSONResponse(anomaly_out(anomaly))
