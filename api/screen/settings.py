"""``/ui/settings``: each user's own choices — which emails they get about the bulk jobs they
submitted (needs review and failed: on unless turned off; succeeded: off unless turned on),
and the language of the screen and of their emails (the same pick as the switch on every
page, ``api.screen.switch``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import UnitsOfWorkDep
from api.screen.base import Form, guarded, post, signed_page
from domain.languages import Language
from domain.model import Principal
from domain.ports.choices import NotificationChoices
from domain.services import choices, languages

ORGANIZATION = "organization"
router = APIRouter()


@router.get("/settings")
async def settings_page(request: Request, uows: UnitsOfWorkDep, saved: str = "") -> Response:
    def show(principal: Principal, token: str) -> HTMLResponse:
        picked, default = choices.language_choice(uows, principal)
        return signed_page(
            request,
            "settings.html",
            principal,
            token,
            choices=choices.notification_choices(uows, principal),
            picked_language=picked.value if picked else ORGANIZATION,
            org_default=default,
            saved=saved == "1",
        )

    return await run_in_threadpool(guarded, request, uows, show)


@router.post("/settings")
async def save_settings(request: Request, uows: UnitsOfWorkDep) -> Response:
    def act(principal: Principal, form: Form, _: str) -> Response:
        locale = str(form.get("locale", ORGANIZATION))
        language = None if locale == ORGANIZATION else Language(locale)
        chosen = NotificationChoices(
            needs_review="needs_review" in form,
            failed="failed" in form,
            succeeded="succeeded" in form,
        )
        choices.choose_notifications(uows, principal, chosen)
        languages.choose_language(uows, principal, language)
        return RedirectResponse("/ui/settings?saved=1", 303)

    return await post(request, uows, act)
