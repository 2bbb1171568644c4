"""Which language a page speaks (docs/api.md, "Language and universal design"), and the
switch on every page.

Signed in: the user's own pick, else their organization's default, read with the session
(``guarded`` keeps them on the request). Where nobody is known yet (the sign-in pages): a
language picked with the switch (``?lang=``, carried by the form and kept on the user once
they sign in), else the browser's ``Accept-Language`` (``nb``, ``nn`` and ``no`` mean
bokmål), else bokmål.
"""

from __future__ import annotations

from domain.languages import DEFAULT_LANGUAGE, Language

BOKMAL = frozenset({"nb", "nn", "no"})


def chosen(value: object) -> Language | None:
    """A language named by the switch (``nb`` or ``en``); None for anything else."""
    try:
        return Language(str(value))
    except ValueError:
        return None


def from_browser(header: str | None) -> Language:
    """The first language of ``Accept-Language``, by its weight, that the screen speaks."""
    wishes: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and weight > 0:
            wishes.append((-weight, position, tag.split("-")[0].strip().lower()))
    for _, _, primary in sorted(wishes):
        if primary in BOKMAL:
            return Language.NB
        if primary == "en":
            return Language.EN
    return DEFAULT_LANGUAGE


def back_to(value: object) -> str:
    """Where the switch returns: a page of the screen, never another site."""
    path = str(value or "")
    if not path.startswith("/ui/") or "//" in path or "\\" in path:
        return "/ui/"
    return path
