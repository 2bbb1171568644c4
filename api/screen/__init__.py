"""The coordinator's screen (docs/api.md, "The status screen"): server-rendered pages under ``/ui/``, no front-end
build chain, no asset from outside the API."""

from fastapi import APIRouter

from api.screen import accessibility, anomalies, jobs, new, sign_in, switch, undo

router = APIRouter(prefix="/ui", include_in_schema=False)
for part in (sign_in, accessibility, jobs, undo, new, anomalies, switch):
    router.include_router(part.router)
