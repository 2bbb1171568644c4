"""The FastAPI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import problems, ui
from api.routes import activities, anomalies, bulk, health
from bulkreg import logs
from bulkreg.settings import get_settings


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    """Move everything loaded at start-up out of the garbage collector's reach, so that a
    full collection scans only what requests create and stays short."""
    gc.collect()
    gc.freeze()
    yield


def create_app() -> FastAPI:
    logs.configure(get_settings().log_format)
    app = FastAPI(
        title="bulkreg",
        version="0.1.0",
        description="Proxy and bulk activity registration for peer-mentoring organizations.",
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(bulk.router)
    app.include_router(activities.router)
    app.include_router(anomalies.router)
    app.include_router(health.router)
    app.include_router(ui.router)
    return app


app = create_app()
