"""The language switch of a signed-in page: the pick is kept on the user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import UnitsOfWorkDep
from api.screen.base import Form, post
from api.screen.language import back_to
from domain.languages import Language
from domain.model import Principal
from domain.services import languages

router = APIRouter()


@router.post("/language")
async def choose(request: Request, uows: UnitsOfWorkDep) -> Response:
    """The switch of a signed-in page: the language is kept on the user."""

    def act(principal: Principal, form: Form, _: str) -> Response:
        languages.choose_language(uows, principal, Language(str(form.get("locale"))))
        return RedirectResponse(back_to(form.get("back")), 303)

    return await post(request, uows, act)
