"""A token's claims are a claim, not a fact: the database decides who is acting."""

from __future__ import annotations

from domain.errors import Unauthenticated
from domain.model import Principal
from domain.ports import UnitsOfWork


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
