"""*Email me a sign-in link* on the sign-in page (``POST /ui/login/email``; the form is
``_email_sign_in.html``). Whatever address is typed — of an active coordinator or admin, of
nobody, of a peer mentor or someone inactive, or asked for too often — the answer is the
same page, and nothing on it tells which: the email is the only sign
(``domain.services.email_sign_in``). The addresses are counted for the limits only as keyed
digests (HMAC with the stack's signing secret), never stored."""

from __future__ import annotations

import hashlib
import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import UnitsOfWorkDep
from api.screen.base import error, page
from api.screen.language import chosen
from api.screen.messages import ForeignLogin
from api.screen.return_to import local_page
from api.screen.sign_in import LOGIN_CSRF_COOKIE
from bulkreg.foundation.settings import get_settings
from domain.services import email_sign_in, mail

SENT_PAGE = "email_sign_in_sent.html"
LONGEST_ADDRESS = 320
log = logging.getLogger(__name__)
router = APIRouter()


def keyed(purpose: str, value: str) -> bytes:
    """A digest of ``value`` that only this stack can compute: the limits count it."""
    secret = get_settings().signing_secret().encode()
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def plausible(address: str) -> bool:
    """An address worth looking up (the database finds only exact ones anyway)."""
    name, at, domain = address.partition("@")
    return (
        bool(name and at and domain)
        and len(address) <= LONGEST_ADDRESS
        and not any(c.isspace() or c == "\x00" for c in address)
    )


@router.post("/login/email")
async def email_me_a_link(request: Request, uows: UnitsOfWorkDep) -> Response:
    form = await request.form()
    picked = chosen(form.get("lang"))
    if picked is not None:
        request.state.language = picked
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get("csrf", ""))
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return error(
            request,
            ForeignLogin("the form did not come from this site; open the sign-in page"),
            403,
        )
    address = str(form.get("email", "")).strip()
    if plausible(address):
        client = request.client.host if request.client else ""
        count = await run_in_threadpool(
            lambda: email_sign_in.email_sign_in_links(
                uows,
                mail.enqueue_email,
                email=address,
                address_key=keyed("sign-in-address", address.lower()),
                client_key=keyed("sign-in-client", client),
                links_base=get_settings().links_base,
            )
        )
        log.info("sign-in link by email asked for: %d sent", count)
    return page(
        request,
        SENT_PAGE,
        address=address[:LONGEST_ADDRESS],
        picked=picked,
        next_page=local_page(form.get("next")),
        switch_path="/ui/login",
    )
