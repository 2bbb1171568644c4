"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SettingsDep, UnitsOfWorkDep
from bulkreg.config import broker_url

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(uows: UnitsOfWorkDep, settings: SettingsDep) -> JSONResponse:
    import redis
    from sqlalchemy import text

    failed = []
    try:
        with uows.engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception:
        failed.append("database")
    try:
        redis.Redis.from_url(
            broker_url(settings), socket_connect_timeout=1, socket_timeout=1
        ).ping()
    except Exception:
        failed.append("broker")
    if failed:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Service Unavailable",
                "status": 503,
                "code": "unavailable",
                "detail": f"not answering: {', '.join(failed)}",
                "failed": failed,
            },
            503,
            media_type="application/problem+json",
        )
    return JSONResponse({"status": "ready"})
