"""The screen's two languages: the gettext catalogs, one Jinja2 environment per language,
and dates, times, numbers and ages in each language's own forms (CLDR data through Babel).

The catalogs are the ``.po`` files under ``api/locale/`` (msgids in English); they are read
once per process and compiled in memory, so there is no compile step and nothing generated
in the repository. Each language has an environment of its own with its translations
installed: templates render concurrently, and a shared environment whose ``gettext`` were
swapped per request would mix languages between requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import jinja2
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.numbers import format_decimal
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from bulkreg.mail.render import translations
from domain import clock
from domain.languages import Language
from domain.services.screen import AnomalyView, Names

TEMPLATES = Path(__file__).parents[1] / "templates"


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is written; translated where it is shown."""
    return message


def N_plural(one: str, many: str) -> tuple[str, str]:
    """Marks a message with a plural, as ``N_`` does."""
    return one, many


# What the extraction looks for (the test of the catalogs uses them): Babel's own keywords,
# and the two markers above.
KEYWORDS: dict[str, Any] = {**DEFAULT_KEYWORDS, "N_plural": (1, 2)}


class Words:
    """What the Python code of the screen says, in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.catalog = translations(language)

    def gettext(self, message: str, **values: Any) -> str:
        text = self.catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, one: str, many: str, n: int, **values: Any) -> str:
        """``%(num)s`` is ``n`` in the language's own digits."""
        return self.catalog.ngettext(one, many, n) % ({"num": self.number(n)} | values)

    __call__ = gettext  # for a message marked where it is written (``N_``)

    def number(self, n: int | float) -> str:
        return format_decimal(n, locale=self.language.value)

    def day(self, value: date | None) -> str:
        return format_date(value, "medium", locale=self.language.value) if value else ""

    def moment(self, value: datetime | None) -> str:
        return format_datetime(value, "medium", locale=self.language.value) if value else ""

    def age(self, moment: datetime | None) -> str:
        """How long ago, in words: "for 5 minutter siden", "5 minutes ago"."""
        if moment is None:
            return ""
        return format_timedelta(
            moment - clock.utcnow(),
            add_direction=True,
            threshold=1,
            locale=self.language.value,
        )

    def person(self, names: Names, user_id: UUID | None) -> str:
        if user_id is None:
            return self.gettext("an operator (command line)")
        return names.people.get(user_id) or self.gettext("someone outside this organization")

    def people(self, names: Names, user_ids: Iterable[UUID | None]) -> list[str]:
        return sorted({self.person(names, u) for u in user_ids})

    def participants(self, view: AnomalyView, names: Names) -> list[str]:
        """The people an anomaly's records are for, each once."""
        if view.participants:
            return sorted(set(view.participants))
        return self.people(names, (r.peer_mentor_id for r in view.records))

    def registrars(self, view: AnomalyView, names: Names) -> list[str]:
        return self.people(names, (r.registered_by for r in view.records))


def words(language: Language) -> Words:
    return _words(language)


@cache
def _words(language: Language) -> Words:
    return Words(language)


def theirs(text: str, page: Language, organization: Language | None) -> Markup:
    """The organization's own words (an activity type's name), marked with their language
    when the page speaks another (WCAG 3.1.2)."""
    if organization is None or organization is page:
        return Markup.escape(text)
    return Markup('<span lang="{}">{}</span>').format(organization.value, text)


@cache
def templates(language: Language) -> Jinja2Templates:
    """The language's own environment, its translations installed once."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    said = words(language)
    environment.globals.update(
        lang=language.value,
        words=said,
        age=said.age,
        day=said.day,
        moment=said.moment,
        number=said.number,
    )
    return Jinja2Templates(env=environment)
