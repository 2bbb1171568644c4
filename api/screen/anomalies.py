"""The organization's anomalies, open and resolved, in words, with their resolve actions."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import UnitsOfWorkDep
from api.screen.base import Form, guarded, post, signed_page
from domain.model import AnomalyAction, AnomalyResolution, Principal
from domain.services import anomalies, screen

router = APIRouter()


@router.get("/anomalies")
def anomaly_list(request: Request, uows: UnitsOfWorkDep) -> Response:
    def handler(principal: Principal, token: str) -> Response:
        views, names = screen.anomalies(uows, principal)
        return signed_page(
            request,
            "anomalies.html",
            principal,
            token,
            job=None,
            names=names,
            open_ones=[v for v in views if v.anomaly.resolved_at is None],
            resolved=[v for v in views if v.anomaly.resolved_at is not None],
        )

    return guarded(request, uows, handler)


@router.post("/anomalies/{anomaly_id}/resolve")
async def resolve_anomaly(
    request: Request, uows: UnitsOfWorkDep, anomaly_id: UUID, job: UUID | None = None
) -> Response:
    def act(principal: Principal, form: Form, _: str) -> Response:
        resolution = AnomalyResolution(
            action=AnomalyAction(str(form.get("action"))), reason=str(form.get("reason", "")) or "-"
        )
        anomalies.resolve(
            uows,
            principal,
            anomaly_id,
            action=resolution.action,
            reason=resolution.reason,
        )
        return RedirectResponse(f"/ui/jobs/{job}" if job else "/ui/anomalies", 303)

    return await post(request, uows, act)
