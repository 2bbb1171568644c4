"""The coordinator's screen (docs/api.md, "The status screen"): server-rendered pages under ``/ui/``, no front-end
build chain, no asset from outside the API."""

from fastapi import APIRouter

from api.screen import (
    accessibility,
    anomalies,
    email_sign_in,
    jobs,
    new,
    oidc,
    register,
    settings,
    sign_in,
    switch,
    undo,
)

router = APIRouter(prefix="/ui", include_in_schema=False)
for part in (
    sign_in,
    email_sign_in,
    oidc,
    accessibility,
    jobs,
    undo,
    new,
    register,
    anomalies,
    switch,
    settings,
):
    router.include_router(part.router)
