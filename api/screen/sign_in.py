"""Signing in to the screen: a pasted token, or a link from ``bulkreg sign-in-link``; the
sign-in page also offers single sign-on (``api.screen.oidc``) and a link by email when this
stack has them. Every way opens the session here (``open_session``) and goes on to the page
the person asked for before signing in (``api.screen.return_to``)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import NoMatchFound

from api.deps import UnitsOfWorkDep, claimed
from api.screen.base import COOKIE, csrf_for, error, language_of, page
from api.screen.i18n import N_, words
from api.screen.language import chosen
from api.screen.messages import ForeignLogin
from api.screen.return_to import HOME, local_page
from bulkreg.foundation.settings import get_settings
from domain.errors import Unauthenticated
from domain.languages import Language
from domain.model import Principal
from domain.ports.units import UnitsOfWork
from domain.services import identity, languages

LOGIN_CSRF_COOKIE = "bulkreg_login_csrf"
INVALID_TOKEN = N_("That token is not valid.")
STAFF_ONLY = N_("The status screen is for coordinators and admins.")
USED_LINK = N_("This sign-in link is used, expired or unknown.")
LINK_PAGE = "sign_in_link.html"
EMAIL_SIGN_IN = "/ui/login/email"
EMAIL_SIGN_IN_ROUTE = "email_me_a_link"  # api.screen.email_sign_in
router = APIRouter()


def _login_page(
    request: Request,
    status: int = 200,
    problem: str | None = None,
    name: str = "login.html",
    picked: Language | None = None,
    next_page: str = HOME,
) -> HTMLResponse:
    """The form carries a fresh CSRF token that must come back with the cookie of the same
    name: another site cannot post it (SameSite=Strict), so it cannot sign a browser in to
    an account of its choosing (login CSRF). A language picked with the switch is shown,
    and carried by the form to be kept on the user."""
    if picked is not None:
        request.state.language = picked
    csrf = secrets.token_urlsafe(32)
    said = words(language_of(request)[0])
    settings = get_settings()
    response = page(
        request,
        name,
        status,
        csrf=csrf,
        error=said(problem) if problem else None,
        picked=picked,
        next_page=next_page,
        single_sign_on=said.gettext("Sign in with %(name)s", name=settings.oidc_name)
        if settings.single_sign_on
        else None,
        email_sign_in=email_sign_in_offered(request),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        secure=True,
        samesite="strict",
        path="/ui",
        max_age=3600,
    )
    return response


def email_sign_in_offered(request: Request) -> bool:
    """Whether the sign-in page offers *Email me a sign-in link*: when this stack answers
    ``POST /ui/login/email`` (its form is the template ``_email_sign_in.html``). Asked by the
    route's name: an included router's routes are not listed flat on the app."""
    try:
        return bool(request.app.url_path_for(EMAIL_SIGN_IN_ROUTE) == EMAIL_SIGN_IN)
    except NoMatchFound:
        return False


def bare_token(pasted: str) -> str:
    """The token of a pasted value, which may be a whole ``Authorization`` header's value."""
    token = pasted.strip()
    scheme, _, rest = token.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else token


@router.get("/login")
def login_form(request: Request, lang: str | None = None, next: str = HOME) -> HTMLResponse:
    return _login_page(request, picked=chosen(lang), next_page=local_page(next))


@router.post("/login")
async def login(request: Request, uows: UnitsOfWorkDep) -> Response:
    form = await request.form()
    picked = chosen(form.get("lang"))
    if picked is not None:
        request.state.language = picked
    if not _login_csrf_ok(str(form.get("csrf", "")), request):
        return error(
            request,
            ForeignLogin("the form did not come from this site; open the sign-in page"),
            403,
        )
    next_page = local_page(form.get("next"))
    token = bare_token(str(form.get("token", "")))
    try:
        principal = await run_in_threadpool(
            lambda: identity.verify(uows, claimed(token, get_settings(), uows))
        )
    except Unauthenticated:
        return _login_page(request, 401, INVALID_TOKEN, picked=picked, next_page=next_page)
    if not principal.is_staff:
        return _login_page(request, 403, STAFF_ONLY, picked=picked, next_page=next_page)
    return await _signed_in(uows, principal, picked, next_page)


@router.get("/sign-in")
def sign_in_link_form(request: Request, lang: str | None = None) -> HTMLResponse:
    """Opening the link shows a button: a link is used by a person's POST, never by a GET
    that a mail scanner's preview could make."""
    return _login_page(request, name=LINK_PAGE, picked=chosen(lang))


@router.post("/sign-in")
async def sign_in_with_link(request: Request, uows: UnitsOfWorkDep) -> Response:
    form = await request.form()
    picked = chosen(form.get("lang"))
    if picked is not None:
        request.state.language = picked
    if not _login_csrf_ok(str(form.get("csrf", "")), request):
        return error(
            request, ForeignLogin("the form did not come from this site; open your link again"), 403
        )
    link = str(form.get("link", "")).strip().lstrip("#")
    try:
        principal = await run_in_threadpool(identity.redeem_sign_in_link, uows, link)
    except Unauthenticated:
        return _login_page(request, 401, USED_LINK, name=LINK_PAGE, picked=picked)
    if not principal.is_staff:
        return _login_page(request, 403, STAFF_ONLY, name=LINK_PAGE, picked=picked)
    return await _signed_in(uows, principal, picked, HOME)


def _login_csrf_ok(sent: str, request: Request) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def _signed_in(
    uows: UnitsOfWork, principal: Principal, picked: Language | None, next_page: object
) -> Response:
    return await open_session(uows, principal, picked, RedirectResponse(local_page(next_page), 303))


async def open_session(
    uows: UnitsOfWork, principal: Principal, picked: Language | None, response: Response
) -> Response:
    """A new session, its secret in the cookie of ``response``: not a bearer token, so the
    API refuses it, and it ends when its user signs out or is deactivated, when it has been
    idle for ``BULKREG_SCREEN_IDLE_MINUTES``, or ``BULKREG_SCREEN_SESSION_HOURS`` after it
    began. A language picked on the sign-in page is kept on the user, as the switch would.
    Every way of signing in (a token, a link, single sign-on) opens it here."""
    lifetime = get_settings().screen_session_hours * 3600
    secret = await run_in_threadpool(identity.open_screen_session, uows, principal, lifetime)
    if picked is not None:
        await run_in_threadpool(languages.choose_language, uows, principal, picked)
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        secure=True,
        samesite="strict",
        path="/ui",
        max_age=lifetime,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui", secure=True, httponly=True)
    return response


@router.post("/logout")
async def logout(request: Request, uows: UnitsOfWorkDep) -> Response:
    """Signing out ends the session in the database: the cookie, if kept, opens nothing."""
    form = dict(await request.form())
    token = request.cookies.get(COOKIE, "")
    if token and not hmac.compare_digest(str(form.get("csrf", "")), csrf_for(token)):
        return error(request, ForeignLogin("the form did not come from this site"), 403)
    if token:
        await run_in_threadpool(identity.end_screen_session, uows, token)
    response = RedirectResponse("/ui/login", 303)
    response.delete_cookie(COOKIE, path="/ui", secure=True, httponly=True, samesite="strict")
    return response
