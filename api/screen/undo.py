"""Undoing a succeeded job from the screen (docs/api.md, "Undo and repeat"): a page that says
how many records the undo removes and asks why, then the same use case as the API
(``domain.services.undo.undo``), back on the job's page."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.deps import UnitsOfWorkDep
from api.schemas.undo import UndoIn
from api.screen.base import Form, csrf_for, guarded, language_of, page, post
from api.screen.i18n import words
from api.screen.messages import field_problem
from bulkreg.foundation.settings import get_settings
from domain.clock import utcnow
from domain.errors import InvalidState
from domain.explain import field_errors
from domain.model import Principal
from domain.ports.units import UnitsOfWork
from domain.services import screen
from domain.services.undo import undo

router = APIRouter()


def window() -> timedelta:
    """How long after it finished a succeeded job can be undone (``BULKREG_UNDO_DAYS``)."""
    return timedelta(days=get_settings().undo_days)


def reason_problem(request: Request, error: ValidationError) -> tuple[str, bool]:
    """What is wrong with the reason, in the page's words (and whether they are)."""
    said = words(language_of(request)[0])
    return field_problem(said, field_errors(error)[0])


def _confirm(
    request: Request,
    uows: UnitsOfWork,
    principal: Principal,
    csrf: str,
    job_id: UUID,
    *,
    reason: str = "",
    problem: tuple[str, bool] | None = None,
    refused: bool = False,
) -> Response:
    """The page that asks: how many records go, and why. 409 once the job cannot be undone
    (any more), 422 with the reason's problem."""
    view = screen.undo_view(uows, principal, job_id)
    undoable = not refused and view.job.undoable(utcnow(), window())
    return page(
        request,
        "undo.html",
        409 if not undoable else 422 if problem else 200,
        principal=principal,
        csrf=csrf,
        job=view.job,
        names=view.names,
        live=view.live,
        undoable=undoable,
        days=window().days,
        reason=reason,
        problem=problem,
    )


@router.get("/jobs/{job_id}/undo")
def confirm_undo(request: Request, uows: UnitsOfWorkDep, job_id: UUID) -> Response:
    def handler(principal: Principal, token: str) -> Response:
        return _confirm(request, uows, principal, csrf_for(token), job_id)

    return guarded(request, uows, handler)


@router.post("/jobs/{job_id}/undo")
async def undo_job(request: Request, uows: UnitsOfWorkDep, job_id: UUID) -> Response:
    def act(principal: Principal, form: Form, csrf: str) -> Response:
        reason = str(form.get("reason", "")).strip()
        try:
            checked = UndoIn.model_validate({"reason": reason})
        except ValidationError as error:
            problem = reason_problem(request, error)
            return _confirm(request, uows, principal, csrf, job_id, reason=reason, problem=problem)
        try:
            undo(uows, principal, job_id, reason=checked.reason, window=window())
        except InvalidState:  # undone meanwhile, or the window closed while the page was open
            return _confirm(request, uows, principal, csrf, job_id, reason=reason, refused=True)
        return RedirectResponse(f"/ui/jobs/{job_id}", 303)

    return await post(request, uows, act)
