"""What every page of the coordinator's screen shares: the session, CSRF, page rendering.

Sign-in opens a session (``domain.services.identity.open_screen_session``) whose secret sits
in an HttpOnly, Secure, SameSite=Strict cookie; every page asks the database whose live
session it is, and only active staff have one.
Forms carry a CSRF token bound to the session (an HMAC of it), checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.problems import STATUS
from bulkreg.foundation.settings import get_settings
from domain.errors import DomainError, Forbidden, Unauthenticated
from domain.jobs import BulkJob
from domain.model import Principal
from domain.ports.units import UnitsOfWork
from domain.services import identity
from domain.services.screen import participants_named, registrars_named

COOKIE = "bulkreg_session"
templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
Form = dict[str, Any]


def age(moment: datetime | None) -> str:
    if moment is None:
        return ""
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def summary(job: BulkJob) -> str:
    counts = job.counts()
    parts = [f"{n} {k}" for k, n in counts.items() if k != "total" and n]
    return f"{counts['total']} participants" + (": " + ", ".join(parts) if parts else "")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


templates.env.globals.update(
    age=age,
    summary=summary,
    plural=plural,
    participants_named=participants_named,
    registrars_named=registrars_named,
)


def csrf_for(session_token: str) -> str:
    secret = get_settings().signing_secret().encode()
    return hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


class SignIn(Exception):
    pass


def session(request: Request, uows: UnitsOfWork) -> tuple[Principal, str]:
    """The signed-in staff member and their session token; ``SignIn`` when there is none."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        raise SignIn
    idle = get_settings().screen_idle_minutes * 60
    try:
        return identity.screen_session(uows, secret, idle), secret
    except Unauthenticated as error:
        raise SignIn from error


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def error(request: Request, problem: DomainError, status: int) -> HTMLResponse:
    titles = {403: "Forbidden", 404: "Not found", 409: "Not possible now", 422: "Not accepted"}
    return page(
        request, "error.html", status, title=titles.get(status, "Error"), detail=problem.detail
    )


Handler = Callable[[Principal, str], Response]


def guarded(request: Request, uows: UnitsOfWork, handler: Handler) -> Response:
    """Run a page handler with the session's principal; sign-in and errors as pages."""
    try:
        principal, token = session(request, uows)
        return handler(principal, token)
    except (SignIn, Unauthenticated):  # the page's unit of work refused the session's user
        return RedirectResponse("/ui/login", 303)
    except DomainError as problem:
        return error(request, problem, STATUS.get(type(problem), 400))
    except (ValueError, KeyError):
        return error(request, DomainError("the form is not one this page sent"), 422)


def signed_page(
    request: Request, name: str, principal: Principal, token: str, **context: Any
) -> HTMLResponse:
    """``name`` rendered for the signed-in user, with their CSRF token."""
    return page(request, name, principal=principal, csrf=csrf_for(token), **context)


def check_csrf(form: Form, token: str) -> None:
    if not hmac.compare_digest(str(form.get("csrf", "")), csrf_for(token)):
        raise Forbidden("the form has expired or did not come from this site; reload and try again")


async def post(
    request: Request, uows: UnitsOfWork, action: Callable[[Principal, Form, str], Response]
) -> Response:
    """A form's POST: read the form, check its CSRF token, then run ``action`` off the
    event loop with the principal, the form and the session's CSRF token."""
    form = dict(await request.form())

    def run(principal: Principal, token: str) -> Response:
        check_csrf(form, token)
        return action(principal, form, csrf_for(token))

    return await run_in_threadpool(guarded, request, uows, run)
