"""Which language the screen speaks to a signed-in user, and their pick of it: their own
pick first, else their organization's default (docs/api.md, "Language and universal
design"). Where nobody is known yet, the API decides from the browser's wishes."""

from __future__ import annotations

from domain.errors import NotFound
from domain.languages import DEFAULT_LANGUAGE, Language
from domain.model import Principal
from domain.policy import require_staff
from domain.ports.units import UnitsOfWork


def screen_languages(uows: UnitsOfWork, principal: Principal) -> tuple[Language, Language]:
    """The language the screen speaks to the user, and their organization's (whose words,
    such as activity types' names, are in it)."""
    with uows(principal) as uow:
        found = uow.languages.of(principal.user_id)
    if found is None:
        return DEFAULT_LANGUAGE, DEFAULT_LANGUAGE
    picked, default = found
    return picked or default, default


def choose_language(uows: UnitsOfWork, principal: Principal, language: Language | None) -> None:
    """Keep ``language`` on the user (None: follow the organization's from now on)."""
    require_staff(principal, "choose the screen's language")
    with uows(principal) as uow:
        if not uow.languages.pick(principal.user_id, language):
            raise NotFound("no such user")
        uow.commit()
