"""The FastAPI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import docs, problems, screen
from api.body import add_body_schemas
from api.middleware import BodyLimit, FrameGuard
from api.routes import activities, anomalies, audit, bulk, directory, events, health, people
from bulkreg import composition_root
from bulkreg.foundation import logs
from bulkreg.foundation.settings import get_settings


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    """Move everything loaded at start-up out of the garbage collector's reach, so that a
    full collection scans only what requests create and stays short."""
    gc.collect()
    gc.freeze()
    yield
    if composition_root.job_changes.cache_info().currsize:  # long polls were served: stop listening
        await composition_root.job_changes().close()


def create_app() -> FastAPI:
    settings = get_settings()
    logs.configure(settings.log_format)
    app = FastAPI(
        title="bulkreg",
        version="0.1.0",
        description="Proxy and bulk activity registration for peer-mentoring organizations.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    docs.install(app)
    problems.install(app)
    app.include_router(bulk.router)
    app.include_router(activities.router)
    app.include_router(anomalies.router)
    app.include_router(directory.router)
    app.include_router(audit.router)
    app.include_router(events.router)
    app.include_router(people.router)
    app.include_router(health.router)
    app.include_router(screen.router)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        idle_seconds=settings.body_idle_seconds,
        total_seconds=settings.body_seconds,
    )
    app.add_middleware(FrameGuard)
    app.openapi = lambda: openapi(app, settings.max_participants)  # type: ignore[method-assign]
    return app


def openapi(app: FastAPI, max_participants: int) -> dict[str, Any]:
    """FastAPI's document, plus the bodies read by ``api.body.json_body`` and the limits
    that are settings rather than constants of the models."""
    if app.openapi_schema is None:
        document = add_body_schemas(
            get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
        )
        participants = document["components"]["schemas"]["BulkSubmission"]["properties"][
            "participants"
        ]
        participants["maxItems"] = max_participants
        app.openapi_schema = document
    return app.openapi_schema


app = create_app()
