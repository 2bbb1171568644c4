"""The languages the screen speaks (docs/api.md, "Language and universal design")."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """A BCP 47 tag, as ``<html lang>`` and the catalogs name it."""

    NB = "nb"  # Norwegian bokmål: the default
    EN = "en"


DEFAULT_LANGUAGE = Language.NB
