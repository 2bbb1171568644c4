"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from api import problems, ui
from api.routes import activities, anomalies, bulk, health
from bulkreg import logs
from bulkreg.settings import get_settings


def create_app() -> FastAPI:
    logs.configure(get_settings().log_format)
    app = FastAPI(
        title="bulkreg",
        version="0.1.0",
        description="Proxy and bulk activity registration for peer-mentoring organizations.",
    )
    problems.install(app)
    app.include_router(bulk.router)
    app.include_router(activities.router)
    app.include_router(anomalies.router)
    app.include_router(health.router)
    app.include_router(ui.router)
    return app


app = create_app()
