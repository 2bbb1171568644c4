"""Messages the domain writes, kept as a template and its values: the English text is
``str(phrase)`` (what the API and the command line say); the screen translates the template
through its catalogs and fills in the same values. Names, emails and column names as a file
writes them are values, never translated.

``N_`` marks a template for the catalogs' extraction (``api/screen/catalogs.py`` reads the
domain's modules too, so a template without a bokmål translation fails the build)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is written; translated where it is shown."""
    return message


@dataclass(frozen=True)
class Phrase:
    """A template (``%(name)s`` placeholders) and its values. A value that is a phrase is
    said in the same language; a tuple of them (or of plain values) is said as a list
    joined by ``"; "``."""

    template: str
    values: dict[str, Value] = field(default_factory=dict)

    def said(self, translate: Callable[[str], str], number: Callable[[int], str] = str) -> str:
        """The phrase in the words ``translate`` gives each template, its numbers written by
        ``number``."""
        text = translate(self.template)
        if not self.values:
            return text
        return text % {k: _said(v, translate, number) for k, v in self.values.items()}

    def __str__(self) -> str:
        return self.said(lambda template: template)


Value = str | int | Phrase | tuple[Phrase | str, ...]


def _said(value: Value, translate: Callable[[str], str], number: Callable[[int], str]) -> str:
    if isinstance(value, Phrase):
        return value.said(translate, number)
    if isinstance(value, tuple):
        return "; ".join(_said(v, translate, number) for v in value)
    return number(value) if isinstance(value, int) else value


def phrase(template: str, **values: Value) -> Phrase:
    return Phrase(template, values)
