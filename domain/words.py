"""Messages the domain writes, kept as a template and its values: the English text is
``str(phrase)`` (what the API and the command line say); the screen translates the template
through its catalogs and fills in the same values. Names, emails and column names as a file
writes them are values, never translated.

``N_`` marks a template for the catalogs' extraction (``api/screen/catalogs.py`` reads the
domain's modules too, so a template without a bokmål translation fails the build)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# How a language picks the form of a message with a number: ``ngettext(one, many, n)``.
Plurals = Callable[[str, str, int], str]


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is written; translated where it is shown."""
    return message


def N_plural(one: str, many: str) -> tuple[str, str]:
    """Marks a message with a plural, as ``N_`` does (``%(num)s`` is its number)."""
    return one, many


def english_plural(one: str, many: str, n: int) -> str:
    return one if n == 1 else many


@dataclass(frozen=True)
class Phrase:
    """A template (``%(name)s`` placeholders) and its values. A value that is a phrase is
    said in the same language; a tuple of them (or of plain values) is said as a list
    joined by ``"; "``."""

    template: str
    values: dict[str, Value] = field(default_factory=dict)

    def said(
        self,
        translate: Callable[[str], str],
        number: Callable[[int], str] = str,
        plurals: Plurals = english_plural,
    ) -> str:
        """The phrase in the words ``translate`` gives each template (``plurals`` each
        template with a number), its numbers written by ``number``."""
        text = translate(self.template)
        if not self.values:
            return text
        return text % {k: _said(v, translate, number, plurals) for k, v in self.values.items()}

    def __str__(self) -> str:
        return self.said(lambda template: template)


@dataclass(frozen=True)
class Counted(Phrase):
    """A phrase whose form depends on a number (``%(num)s``): "1 value", "3 values" — and
    in bokmål by bokmål's rule."""

    forms: tuple[str, str] = ("", "")
    count: int = 0

    def said(
        self,
        translate: Callable[[str], str],
        number: Callable[[int], str] = str,
        plurals: Plurals = english_plural,
    ) -> str:
        text = plurals(*self.forms, self.count)
        values = {k: _said(v, translate, number, plurals) for k, v in self.values.items()}
        return text % ({"num": number(self.count)} | values)


Value = str | int | Phrase | tuple[Phrase | str, ...]


def _said(
    value: Value, translate: Callable[[str], str], number: Callable[[int], str], plurals: Plurals
) -> str:
    if isinstance(value, Phrase):
        return value.said(translate, number, plurals)
    if isinstance(value, tuple):
        return "; ".join(_said(v, translate, number, plurals) for v in value)
    return number(value) if isinstance(value, int) else value


def phrase(template: str, **values: Value) -> Phrase:
    return Phrase(template, values)


def counted(forms: tuple[str, str], count: int, **values: Value) -> Counted:
    """``counted(N_plural("%(num)s value", "%(num)s values"), 3)``."""
    return Counted(forms[1], values, forms, count)
