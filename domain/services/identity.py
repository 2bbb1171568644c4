"""A token's claims are a claim, not a fact: the database decides who is acting."""

from __future__ import annotations

import hashlib
import secrets

from domain.errors import Unauthenticated
from domain.model import Principal
from domain.ports.units import UnitsOfWork


def verify(uows: UnitsOfWork, claimed: Principal) -> Principal:
    """Raises ``Unauthenticated`` unless the user exists, is active and has the claimed role
    and organization. Every unit of work checks this as it starts; this use case is for
    callers that need the answer before doing anything else (sign-in, a refusal)."""
    with uows(claimed) as uow:
        user = uow.directory.user(claimed.user_id)
    if user is None or not user.active:
        raise Unauthenticated("unknown or inactive user")
    if user.role is not claimed.role or user.org_id != claimed.org_id:
        raise Unauthenticated("the token's role or organization no longer matches")
    return claimed


def principal_for_subject(uows: UnitsOfWork, subject: str) -> Principal | None:
    """Whom an identity provider's token names (by its ``sub``), with the role and
    organization the database gives them."""
    with uows.signing_in() as uow:
        return uow.sign_ins.for_subject(subject)


def redeem_sign_in_link(uows: UnitsOfWork, link: str) -> Principal:
    """A sign-in link works once. Raises ``Unauthenticated`` for a used, expired or unknown
    link (they are not told apart: the link is a secret)."""
    with uows.signing_in() as uow:
        principal = uow.sign_ins.redeem(link_digest(link))
        uow.commit()
    if principal is None:
        raise Unauthenticated("this sign-in link is used, expired or unknown")
    return principal


def open_screen_session(uows: UnitsOfWork, principal: Principal, lifetime_seconds: int) -> str:
    """A new session of the screen for a verified staff member: the secret for their
    cookie. Only its digest is stored."""
    secret = secrets.token_urlsafe(32)
    with uows.signing_in() as uow:
        opened = uow.sign_ins.open_session(link_digest(secret), principal.user_id, lifetime_seconds)
        uow.commit()
    if not opened:
        raise Unauthenticated("the screen is for active coordinators and admins")
    return secret


def screen_session(uows: UnitsOfWork, secret: str, idle_seconds: int) -> Principal:
    """Whose live session the cookie holds; ``Unauthenticated`` for an ended, expired, idle
    or unknown one (not told apart)."""
    with uows.signing_in() as uow:
        principal = uow.sign_ins.session(link_digest(secret), idle_seconds)
        uow.commit()
    if principal is None:
        raise Unauthenticated("signed out, or the session has ended")
    return principal


def end_screen_session(uows: UnitsOfWork, secret: str) -> None:
    with uows.signing_in() as uow:
        uow.sign_ins.end_session(link_digest(secret))
        uow.commit()


def link_digest(link: str) -> bytes:
    """Links and sessions are stored as digests: the database never holds one that works."""
    return hashlib.sha256(link.encode()).digest()
