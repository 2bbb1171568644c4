"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import Operator
from api.problems import problem
from api.schemas.common import json_response
from api.schemas.health import Health
from api.schemas.problems import problem_responses
from bulkreg.composition_root import broker_answers, database_answers
from bulkreg.composition_root import metrics as exposition

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
def healthz() -> Response:
    return json_response(Health(status="ok"))


@router.get("/metrics", response_class=Response, dependencies=[Operator])
def metrics() -> Response:
    """Prometheus exposition: jobs by status, processing duration, activities committed,
    and per queue the jobs waiting and the age of the oldest (what to scale workers on).
    Operators only (their basic-auth login): it counts every organization's jobs."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/readyz", response_model=Health, responses=problem_responses(503))
def readyz() -> Response:
    failed = [
        name
        for name, ok in (("database", database_answers()), ("broker", broker_answers()))
        if not ok
    ]
    if failed:
        return problem(503, "unavailable", f"not answering: {', '.join(failed)}", failed=failed)
    return json_response(Health(status="ready"))
