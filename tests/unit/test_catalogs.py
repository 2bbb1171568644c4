"""The screen's catalogs hold every message its templates and code have, translated into
bokmål and present in English, and nothing the code no longer has."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from api.screen.catalogs import API, extracted
from domain.languages import Language

MessageId = str | tuple[str, ...]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(language: Language) -> Catalog:
    with (API / "locale" / language.value / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language.value)


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple: one, or its singular and plural."""
    if isinstance(value, str):
        return (value,)
    assert isinstance(value, Iterable)
    return tuple(str(v or "") for v in value)


def _ids(catalog: Catalog) -> set[MessageId]:
    return {m.id if isinstance(m.id, str) else _texts(m.id) for m in catalog if m.id}


def test_the_code_has_messages_to_extract() -> None:
    found = _ids(extracted())
    assert "Sign in" in found  # a template's
    assert "an operator (command line)" in found  # the Python code's
    assert ("%(num)s participant", "%(num)s participants") in found  # a plural


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_every_message_is_in_the_catalog_and_nothing_else(language: Language) -> None:
    wanted, held = _ids(extracted()), _ids(_catalog(language))
    assert sorted(map(str, wanted - held)) == [], "add these to the catalog"
    assert sorted(map(str, held - wanted)) == [], "the code no longer has these: remove them"


def test_every_message_has_a_bokmal_translation() -> None:
    catalog = _catalog(Language.NB)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string or m.fuzzy)
    ]
    assert untranslated == []


def test_a_translation_keeps_the_placeholders_of_its_message() -> None:
    """A ``%(name)s`` lost or misspelt in translation would fail at render time."""
    for message in _catalog(Language.NB):
        if not message.id:
            continue
        ids, strings = _texts(message.id), _texts(message.string)
        wanted = {p for i in ids for p in _placeholders(i)} - {"num"}
        for string in strings:
            assert _placeholders(string) - {"num"} <= wanted, (message.id, string)
            assert wanted <= _placeholders(string) | {"num"} or len(ids) > 1, message.id


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))
