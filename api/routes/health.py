"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import Operator, UnitsOfWorkDep
from api.problems import problem
from bulkreg.composition import broker_answers
from bulkreg.metrics import exposition
from persistence.database import answers

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/metrics", response_class=Response, dependencies=[Operator])
def metrics(uows: UnitsOfWorkDep) -> Response:
    """Prometheus exposition: jobs by status, processing duration, activities committed.
    Operators only (their basic-auth login): it counts every organization's jobs."""
    return Response(exposition(uows), media_type=CONTENT_TYPE_LATEST)


@router.get("/readyz")
def readyz(uows: UnitsOfWorkDep) -> JSONResponse:
    failed = [
        name
        for name, ok in (("database", answers(uows.engine)), ("broker", broker_answers()))
        if not ok
    ]
    if failed:
        return problem(503, "unavailable", f"not answering: {', '.join(failed)}", failed=failed)
    return JSONResponse({"status": "ready"})
