"""Single sign-on for the screen: OpenID Connect's authorization code flow (``api.oidc``).

``/ui/oidc/start`` sends the browser to the provider with a fresh ``state``, ``nonce`` and
PKCE code verifier, which it keeps in a signed, HttpOnly cookie that lives ten minutes and
only for ``/ui/oidc/``: the attempt is bound to the browser that started it. The cookie is
SameSite=Lax, since the provider's redirect back is a navigation from another site.
``/ui/oidc/callback`` takes an attempt once: the cookie is removed, the ``state`` must be
the cookie's, a ``state`` seen before is refused (by this process; the provider refuses a
second use of its code anyway), and the code is exchanged for an ID token that must carry
the cookie's nonce. The token's ``sub`` names the user whose ``auth_subject`` it is; only an
active coordinator or admin gets a session, as every other way of signing in opens it.

Every failure is a page in plain words, never a server error: the provider not answering
(503), the person declining, a forged, replayed or stale attempt, a token that does not
hold, a person bulkreg does not know or who may not use the screen.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import UnitsOfWorkDep
from api.oidc import Attempt, OpenIdProvider, ProviderUnavailable, SignInRefused
from api.screen.base import language_of, page
from api.screen.i18n import N_, words
from api.screen.language import chosen
from api.screen.return_to import HOME, local_page
from api.screen.sign_in import STAFF_ONLY, open_session
from bulkreg.foundation.settings import get_settings
from domain.languages import Language
from domain.services import identity

ATTEMPT_COOKIE = "bulkreg_oidc"
ATTEMPT_PATH = "/ui/oidc/"
ATTEMPT_SECONDS = 600
CALLBACK = "/ui/oidc/callback"
router = APIRouter()
log = logging.getLogger(__name__)

# Each outcome's page: its title and its sentence (which may name the provider).
NOT_ANSWERING = (
    N_("Single sign-on is not answering"),
    N_("%(name)s did not answer in time. Try again in a moment, or sign in another way."),
)
DECLINED = (
    N_("Sign-in cancelled"),
    N_("You did not finish signing in with %(name)s, so you are not signed in."),
)
DID_NOT_WORK = (
    N_("Sign-in did not work"),
    N_("%(name)s did not sign you in. Start again from the sign-in page."),
)
STALE = (
    N_("This sign-in has ended"),
    N_(
        "This sign-in was started in another window, has been used already, or took too "
        "long. Start again from the sign-in page."
    ),
)
UNKNOWN_PERSON = (
    N_("No account for you here"),
    N_(
        "%(name)s knows who you are, but bulkreg has no active account for you. Ask an "
        "administrator in your organization to add you, or to make your account active again."
    ),
)
NOT_STAFF = (N_("Not for peer mentors"), STAFF_ONLY)
SIGNED_IN = (N_("Signed in"), N_("You are signed in with %(name)s."))
NOT_OFFERED = (
    N_("Single sign-on is not set up"),
    N_("This bulkreg does not offer single sign-on. Sign in another way."),
)


@lru_cache(maxsize=1)
def provider(issuer: str, client_id: str, secret: str | None, redirect_uri: str) -> OpenIdProvider:
    """One per process and configuration: its cached documents are shared by every request."""
    return OpenIdProvider(issuer, client_id, secret, redirect_uri)


def configured() -> OpenIdProvider | None:
    settings = get_settings()
    if not (settings.single_sign_on and settings.oidc_issuer and settings.oidc_client_id):
        return None
    redirect_uri = settings.links_base + CALLBACK
    return provider(
        settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret, redirect_uri
    )


def outcome(
    request: Request, said_page: tuple[str, str], status: int, **context: Any
) -> HTMLResponse:
    said = words(language_of(request)[0])
    title, sentence = said_page
    text = said.gettext(sentence, name=get_settings().oidc_name)
    response = page(
        request,
        "single_sign_on.html",
        status,
        title=said(title),
        text=text,
        switch_path="/ui/login",  # the language switch: not this address again
        **context,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/oidc/start")
async def start(request: Request, next: str = HOME, lang: str | None = None) -> Response:
    picked = chosen(lang)
    if picked is not None:
        request.state.language = picked
    openid = configured()
    if openid is None:
        return outcome(request, NOT_OFFERED, 404)
    attempt = Attempt(
        secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    )
    language = language_of(request)[0]
    try:
        url = await run_in_threadpool(openid.authorization_url, attempt, language.value)
    except ProviderUnavailable as error:
        log.warning("single sign-on: %s", error)
        return outcome(request, NOT_ANSWERING, 503)
    response = RedirectResponse(url, 303)
    response.headers["Cache-Control"] = "no-store"
    sealed = _seal(attempt, local_page(next), picked)
    response.set_cookie(
        ATTEMPT_COOKIE,
        sealed,
        max_age=ATTEMPT_SECONDS,
        path=ATTEMPT_PATH,
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/oidc/callback")
async def callback(request: Request, uows: UnitsOfWorkDep) -> Response:
    response = await _callback(request, uows)
    response.delete_cookie(
        ATTEMPT_COOKIE, path=ATTEMPT_PATH, secure=True, httponly=True, samesite="lax"
    )
    return response


async def _callback(request: Request, uows: UnitsOfWorkDep) -> Response:
    query = request.query_params
    kept = _unseal(request.cookies.get(ATTEMPT_COOKIE, ""))
    if kept is not None and kept["lang"] is not None:
        request.state.language = kept["lang"]
    openid = configured()
    if openid is None:
        return outcome(request, NOT_OFFERED, 404)
    state = query.get("state", "")
    if kept is None or not hmac.compare_digest(state.encode(), kept["attempt"].state.encode()):
        return outcome(request, STALE, 400)
    if not _first_use(state):
        return outcome(request, STALE, 400)
    if query.get("iss") not in (None, openid.issuer):  # RFC 9207: another provider's answer
        return outcome(request, DID_NOT_WORK, 400)
    if "error" in query:
        log.info("single sign-on: the provider answered %r", query.get("error"))
        declined = query.get("error") in ("access_denied", "login_required", "consent_required")
        return outcome(request, DECLINED if declined else DID_NOT_WORK, 403 if declined else 400)
    code = query.get("code", "")
    if not code:
        return outcome(request, DID_NOT_WORK, 400)
    try:
        subject = await run_in_threadpool(openid.subject, code, kept["attempt"])
    except ProviderUnavailable as error:
        log.warning("single sign-on: %s", error)
        return outcome(request, NOT_ANSWERING, 503)
    except SignInRefused as error:
        log.warning("single sign-on refused: %r", str(error))
        return outcome(request, DID_NOT_WORK, 400)
    principal = await run_in_threadpool(identity.principal_for_subject, uows, subject)
    if principal is None:  # the operator who adds them needs this sub (--auth-subject)
        log.info("single sign-on: no active user has the auth subject %r", subject)
        return outcome(request, UNKNOWN_PERSON, 403)
    if not principal.is_staff:
        return outcome(request, NOT_STAFF, 403)
    # The session cookie is SameSite=Strict, and this request came by way of the provider's
    # site: a redirect from here would not carry it. A page of ours that moves on does.
    onward = outcome(request, SIGNED_IN, 200, onward=kept["next"])
    return await open_session(uows, principal, kept["lang"], onward)


def _key() -> bytes:
    return hashlib.sha256(b"oidc-attempt:" + get_settings().signing_secret().encode()).digest()


def _seal(attempt: Attempt, next_page: str, picked: Language | None) -> str:
    payload = {
        "state": attempt.state,
        "nonce": attempt.nonce,
        "verifier": attempt.code_verifier,
        "next": next_page,
        "lang": picked.value if picked else None,
        "until": int(time.time()) + ATTEMPT_SECONDS,
    }
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return body + "." + hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def _unseal(sealed: str) -> dict[str, Any] | None:
    """The attempt the cookie carries; None when it is missing, forged or too old."""
    body, _, mac = sealed.partition(".")
    expected = hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if int(payload["until"]) < time.time():
            return None
        attempt = Attempt(str(payload["state"]), str(payload["nonce"]), str(payload["verifier"]))
        return {
            "attempt": attempt,
            "next": local_page(payload["next"]),
            "lang": chosen(payload["lang"]) if payload["lang"] else None,
        }
    except (ValueError, KeyError, TypeError):
        return None


# The states that came back, each kept while its cookie could still come with it; at most
# MAX_REMEMBERED (the oldest go first: the provider refuses a second use of a code anyway).
_used: dict[str, float] = {}
_used_lock = threading.Lock()
MAX_REMEMBERED = 100_000


def _first_use(state: str) -> bool:
    """Whether this process has not seen ``state`` come back before."""
    now = time.time()
    with _used_lock:
        while _used and (len(_used) >= MAX_REMEMBERED or next(iter(_used.values())) < now):
            del _used[next(iter(_used))]
        if state in _used:
            return False
        _used[state] = now + ATTEMPT_SECONDS
        return True
