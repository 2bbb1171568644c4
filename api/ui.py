"""The coordinator's status screen: server-rendered, no front-end build chain.

Sign-in stores the pasted bearer token in an HttpOnly, Secure, SameSite=Strict cookie; every
page verifies it exactly as the API does (claims, then the database), and only staff get in.
Forms carry a CSRF token bound to the session (an HMAC of it), checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api import tokens
from api.deps import claimed, require_staff_claim
from bulkreg import composition
from bulkreg.settings import get_settings
from domain.errors import DomainError, Forbidden, Unauthenticated
from domain.jobs import BulkJob
from domain.model import UNFINISHED, AnomalyAction, AnomalyResolution, Decision, Principal
from domain.services import anomalies, bulk, identity

COOKIE = "bulkreg_session"
LOGIN_CSRF_COOKIE = "bulkreg_login_csrf"
REFRESH_SECONDS = 2
SESSION_SECONDS = 12 * 3600
LINK_PAGE = "sign_in_link.html"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False)


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


templates.env.globals.update(age=age, summary=summary)


def csrf_for(session_token: str) -> str:
    secret = get_settings().signing_secret().encode()
    return hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


class SignIn(Exception):
    pass


def _principal(request: Request) -> tuple[Principal, str]:
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignIn
    try:
        return require_staff_claim(claimed(token, get_settings()), composition.uows()), token
    except Unauthenticated as error:
        raise SignIn from error


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def _error(request: Request, error: DomainError, status: int) -> HTMLResponse:
    titles = {403: "Forbidden", 404: "Not found", 409: "Not possible now", 422: "Not accepted"}
    return _page(
        request, "error.html", status, title=titles.get(status, "Error"), detail=error.detail
    )


def _guarded(request: Request, handler: Any) -> Response:
    """Run a page handler with the session's principal; sign-in and errors as pages."""
    from api.problems import STATUS

    try:
        principal, token = _principal(request)
        response: Response = handler(principal, token)
        return response
    except (SignIn, Unauthenticated):  # the page's unit of work refused the session's user
        return RedirectResponse("/ui/login", 303)
    except DomainError as error:
        return _error(request, error, STATUS.get(type(error), 400))
    except (ValueError, KeyError):
        return _error(request, DomainError("the form is not one this page sent"), 422)


def _check_csrf(form: dict[str, Any], token: str) -> None:
    if not hmac.compare_digest(str(form.get("csrf", "")), csrf_for(token)):
        raise Forbidden("the form has expired or did not come from this site; reload and try again")


def _login_page(
    request: Request, status: int = 200, error: str | None = None, page: str = "login.html"
) -> HTMLResponse:
    """The form carries a fresh CSRF token that must come back with the cookie of the same
    name: another site cannot post it (SameSite=Strict), so it cannot sign a browser in to
    an account of its choosing (login CSRF)."""
    csrf = secrets.token_urlsafe(32)
    response = _page(request, page, status, csrf=csrf, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, httponly=True, secure=True, samesite="strict", path="/ui",
        max_age=3600,
    )  # fmt: skip
    return response


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    if not _login_csrf_ok(str(form.get("csrf", "")), request):
        return _error(
            request, Forbidden("the form did not come from this site; open the sign-in page"), 403
        )
    token = str(form.get("token", "")).strip()
    scheme, _, rest = token.partition(" ")
    if scheme.lower() == "bearer" and rest:
        token = rest.strip()  # pasted as a whole Authorization header's value
    try:
        principal = await run_in_threadpool(
            lambda: identity.verify(composition.uows(), claimed(token, get_settings()))
        )
    except Unauthenticated:
        return _login_page(request, 401, "That token is not valid.")
    if not principal.is_staff:
        return _login_page(request, 403, "The status screen is for coordinators and admins.")
    return _signed_in(token)


@router.get("/sign-in")
def sign_in_link_form(request: Request) -> HTMLResponse:
    """Opening the link shows a button: a link is used by a person's POST, never by a GET
    that a mail scanner's preview could make."""
    return _login_page(request, page=LINK_PAGE)


@router.post("/sign-in")
async def sign_in_with_link(request: Request) -> Response:
    form = await request.form()
    if not _login_csrf_ok(str(form.get("csrf", "")), request):
        return _error(
            request, Forbidden("the form did not come from this site; open your link again"), 403
        )
    link = str(form.get("link", "")).strip().lstrip("#")
    try:
        principal = await run_in_threadpool(identity.redeem_sign_in_link, composition.uows(), link)
    except Unauthenticated as refused:
        return _login_page(request, 401, refused.detail, page=LINK_PAGE)
    settings = get_settings()
    ttl = min(SESSION_SECONDS, settings.max_token_ttl_seconds)
    return _signed_in(tokens.issue(principal, settings.signing_secret(), ttl))


def _login_csrf_ok(sent: str, request: Request) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def _signed_in(token: str) -> Response:
    response = RedirectResponse("/ui/", 303)
    response.set_cookie(
        COOKIE, token, httponly=True, secure=True, samesite="strict", path="/ui",
        max_age=SESSION_SECONDS,
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui", secure=True, httponly=True)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = dict(await request.form())
    token = request.cookies.get(COOKIE, "")
    if token and not hmac.compare_digest(str(form.get("csrf", "")), csrf_for(token)):
        return _error(request, Forbidden("the form did not come from this site"), 403)
    response = RedirectResponse("/ui/login", 303)
    response.delete_cookie(COOKIE, path="/ui", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/")
def job_list(request: Request, cursor: str | None = None) -> Response:
    def page(principal: Principal, token: str) -> Response:
        found = bulk.list_jobs(composition.uows(), principal, status=None, cursor=cursor, limit=25)
        return _page(
            request, "jobs.html", principal=principal, csrf=csrf_for(token),
            jobs=found.items, next_cursor=found.next_cursor,
        )  # fmt: skip

    return _guarded(request, page)


@router.get("/jobs/{job_id}")
def job_detail(request: Request, job_id: UUID) -> Response:
    def page(principal: Principal, token: str) -> Response:
        uows = composition.uows()
        job = bulk.get(uows, principal, job_id)
        people = [i.peer_mentor_id for i in job.items if i.peer_mentor_id]
        people += [i.conflict.registered_by for i in job.items if i.conflict]
        names = bulk.participant_names(uows, principal, people)
        unfinished = job.status in UNFINISHED
        return _page(
            request, "job.html", principal=principal, csrf=csrf_for(token), job=job,
            names=names, refresh=REFRESH_SECONDS if unfinished else None,
        )  # fmt: skip

    return _guarded(request, page)


async def _post(request: Request, action: Any) -> Response:
    form = dict(await request.form())

    def run(principal: Principal, token: str) -> Response:
        _check_csrf(form, token)
        return action(principal, form)

    return await run_in_threadpool(_guarded, request, run)


@router.post("/jobs/{job_id}/resolution")
async def resolve_job(request: Request, job_id: UUID) -> Response:
    def act(principal: Principal, form: dict[str, Any]) -> Response:
        decisions = [
            (UUID(key.split(":", 1)[1]), Decision(str(value)))
            for key, value in form.items()
            if key.startswith("decision:")
        ]
        default = Decision(str(form["default"])) if form.get("default") else None
        bulk.resolve(composition.uows(), principal, job_id, decisions=decisions, default=default)
        return RedirectResponse(f"/ui/jobs/{job_id}", 303)

    return await _post(request, act)


@router.post("/jobs/{job_id}/cancel")
async def cancel_job(request: Request, job_id: UUID) -> Response:
    def act(principal: Principal, form: dict[str, Any]) -> Response:
        bulk.cancel(composition.uows(), principal, job_id)
        return RedirectResponse(f"/ui/jobs/{job_id}", 303)

    return await _post(request, act)


@router.get("/anomalies")
def anomaly_list(request: Request) -> Response:
    def page(principal: Principal, token: str) -> Response:
        found = anomalies.list_anomalies(composition.uows(), principal, None)
        return _page(
            request, "anomalies.html", principal=principal, csrf=csrf_for(token), job=None,
            open_ones=[a for a in found if a.resolved_at is None],
            resolved=[a for a in found if a.resolved_at is not None],
        )  # fmt: skip

    return _guarded(request, page)


@router.post("/anomalies/{anomaly_id}/resolve")
async def resolve_anomaly(request: Request, anomaly_id: UUID, job: UUID | None = None) -> Response:
    def act(principal: Principal, form: dict[str, Any]) -> Response:
        resolution = AnomalyResolution(
            action=AnomalyAction(str(form.get("action"))), reason=str(form.get("reason", "")) or "-"
        )
        anomalies.resolve(
            composition.uows(), principal, anomaly_id,
            action=resolution.action, reason=resolution.reason,
        )  # fmt: skip
        return RedirectResponse(f"/ui/jobs/{job}" if job else "/ui/anomalies", 303)

    return await _post(request, act)
