"""A token's claims are a claim, not a fact: the database decides who is acting."""

from __future__ import annotations

import hashlib

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


def link_digest(link: str) -> bytes:
    """Links are stored as digests: the database never holds one that works."""
    return hashlib.sha256(link.encode()).digest()
