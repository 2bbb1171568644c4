"""A user's own choices of the emails they get about their bulk jobs: on ``/ui/settings``."""

from __future__ import annotations

from domain.errors import NotFound
from domain.languages import Language
from domain.model import Principal
from domain.policy import require_staff
from domain.ports.choices import NotificationChoices
from domain.ports.units import UnitsOfWork


def notification_choices(uows: UnitsOfWork, principal: Principal) -> NotificationChoices:
    require_staff(principal, "see their notification choices")
    with uows(principal) as uow:
        found = uow.choices.of(principal.user_id)
    if found is None:
        raise NotFound("no such user")
    return found


def choose_notifications(
    uows: UnitsOfWork, principal: Principal, choices: NotificationChoices
) -> None:
    require_staff(principal, "choose their notifications")
    with uows(principal) as uow:
        if not uow.choices.choose(principal.user_id, choices):
            raise NotFound("no such user")
        uow.commit()


def language_choice(uows: UnitsOfWork, principal: Principal) -> tuple[Language | None, Language]:
    """The user's own pick of language (None: their organization's) and the organization's."""
    require_staff(principal, "see their language")
    with uows(principal) as uow:
        found = uow.languages.of(principal.user_id)
    if found is None:
        raise NotFound("no such user")
    return found
