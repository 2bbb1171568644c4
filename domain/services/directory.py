"""The directory as the API shows it: who is calling, the roster, the activity types."""

from __future__ import annotations

from domain.errors import NotFound
from domain.model import Principal, UserRecord
from domain.policy import require_staff
from domain.ports.common import Page
from domain.ports.directory import ActivityType
from domain.ports.units import UnitsOfWork


def me(uows: UnitsOfWork, principal: Principal) -> UserRecord:
    with uows(principal) as uow:
        user = uow.directory.user(principal.user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def peer_mentors(
    uows: UnitsOfWork,
    principal: Principal,
    *,
    query: str | None,
    active: bool | None,
    cursor: str | None,
    limit: int,
) -> Page[UserRecord]:
    """The organization's peer mentors by name; ``query`` matches the start of a word of the
    name, of the email or of the member number, without case."""
    require_staff(principal, "read the roster")
    with uows(principal) as uow:
        return uow.directory.peer_mentors(principal.org_id, query or None, active, cursor, limit)


def activity_types(uows: UnitsOfWork, principal: Principal) -> list[ActivityType]:
    with uows(principal) as uow:
        return uow.directory.activity_types(principal.org_id)
