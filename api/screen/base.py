"""What every page of the coordinator's screen shares: the session, CSRF, page rendering.

Sign-in opens a session (``domain.services.identity.open_screen_session``) whose secret sits
in an HttpOnly, Secure, SameSite=Strict cookie; every page asks the database whose live
session it is, and only active staff have one.
Forms carry a CSRF token bound to the session (an HMAC of it), checked on every POST.
Every page speaks the language ``api.screen.language`` describes: ``guarded`` reads the
user's and their organization's with the session and keeps them on the request, and
``page`` renders in it (``api.screen.i18n``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.problems import STATUS
from api.screen.i18n import Words, templates, theirs, words
from api.screen.language import from_browser
from api.screen.messages import (
    ERROR_TITLE,
    OUTCOME_COUNTS,
    STATUS_TITLES,
    ExpiredForm,
    NotThisForm,
    explain,
    helpers,
    status_of,
)
from api.screen.return_to import login_url
from bulkreg.foundation.settings import get_settings
from domain.errors import DomainError, Unauthenticated
from domain.jobs import BulkJob
from domain.languages import Language
from domain.model import Outcome, Principal
from domain.ports.units import UnitsOfWork
from domain.services import identity, languages

COOKIE = "bulkreg_session"
Form = dict[str, Any]


def summary(said: Words, job: BulkJob) -> str:
    """The job's participants by outcome, in words: "15 deltakere: 11 klare, 4 i konflikt"."""
    counts = job.counts()
    parts = [
        said.ngettext(*OUTCOME_COUNTS[Outcome(k)], n)
        for k, n in counts.items()
        if k != "total" and n and Outcome(k) in OUTCOME_COUNTS
    ]
    total = said.ngettext("%(num)s participant", "%(num)s participants", counts["total"])
    return total + (": " + ", ".join(parts) if parts else "")


def language_of(request: Request) -> tuple[Language, Language | None]:
    """The page's language and the organization's (None where nobody is known)."""
    state = request.state
    if getattr(state, "language", None) is not None:
        return state.language, getattr(state, "org_language", None)
    return from_browser(request.headers.get("accept-language")), None


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
    """``name`` rendered in the request's language (see ``language_of``)."""
    language, organization = language_of(request)
    said = words(language)
    context |= helpers(said) | {
        "org_lang": organization,
        "theirs": lambda text: theirs(text, language, organization),
        "summary": lambda job: summary(said, job),
    }
    return templates(language).TemplateResponse(request, name, context, status_code=status)


def error(request: Request, problem: DomainError, status: int) -> HTMLResponse:
    """An error page in the screen's words for the error's ``code`` (the API's problem texts
    stay English)."""
    said = words(language_of(request)[0])
    title = said(STATUS_TITLES.get(status, ERROR_TITLE))
    return page(request, "error.html", status, title=title, detail=said(explain(problem)))


Handler = Callable[[Principal, str], Response]


def guarded(request: Request, uows: UnitsOfWork, handler: Handler) -> Response:
    """Run a page handler with the session's principal; sign-in and errors as pages."""
    try:
        principal, token = session(request, uows)
        request.state.language, request.state.org_language = languages.screen_languages(
            uows, principal
        )
        return handler(principal, token)
    except (SignIn, Unauthenticated):  # the page's unit of work refused the session's user
        return RedirectResponse(login_url(request), 303)
    except DomainError as problem:
        return error(request, problem, status_of(problem, STATUS))
    except (ValueError, KeyError):
        return error(request, NotThisForm("the form is not one this page sent"), 422)


def signed_page(
    request: Request, name: str, principal: Principal, token: str, **context: Any
) -> HTMLResponse:
    """``name`` rendered for the signed-in user, with their CSRF token."""
    return page(request, name, principal=principal, csrf=csrf_for(token), **context)


def check_csrf(form: Form, token: str) -> None:
    if not hmac.compare_digest(str(form.get("csrf", "")), csrf_for(token)):
        raise ExpiredForm(
            "the form has expired or did not come from this site; reload and try again"
        )


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
