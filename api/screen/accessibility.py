"""The accessibility statement (docs/api.md §12): the standard, how it is tested, known
shortcomings and whom to tell (``BULKREG_ACCESSIBILITY_CONTACT``). Open to everyone, signed in
or not: in the user's language when a session is known, else the browser's or the one picked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import UnitsOfWorkDep
from api.screen.base import SignIn, csrf_for, page, session
from api.screen.language import chosen
from bulkreg.foundation.settings import get_settings
from domain.errors import Unauthenticated
from domain.services import languages

router = APIRouter()


@router.get("/accessibility")
def statement(request: Request, uows: UnitsOfWorkDep, lang: str | None = None) -> HTMLResponse:
    contact = get_settings().accessibility_contact
    picked = chosen(lang)
    try:
        principal, token = session(request, uows)
        request.state.language, request.state.org_language = languages.screen_languages(
            uows, principal
        )
    except (SignIn, Unauthenticated):
        if picked is not None:
            request.state.language = picked
        return page(request, "accessibility.html", contact=contact)
    return page(
        request, "accessibility.html", contact=contact, principal=principal, csrf=csrf_for(token)
    )
