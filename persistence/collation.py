"""The orders people are listed in, one per language the service speaks: bokmål's alphabet
(… X Y Z Æ Ø Å), as CLDR's ``nb`` collation has it, and English's, as CLDR's ``en`` has it
(the root order), each stored beside each name as a sort key (``users.name_sort_key``,
``users.name_sort_key_en``) that PostgreSQL compares byte by byte (``bytea``) and indexes.
The roster is listed in the caller's language's order (``app.search_peer_mentors``).

Why a key computed here: the embedded PostgreSQL is built without ICU and its databases'
locale is ``C``, so no collation the server has puts Æ, Ø and Å after Z (its built-in
``pg_unicode_fast`` orders by code point: Å before Æ and Ø). An ICU sort key compared as
bytes gives exactly ICU's order, on any server, and a plain b-tree serves it.

Why ``pyicu-wheels``: it is PyICU (the long-standing binding of ICU's C++ API) built as
wheels for Linux (glibc and musl), macOS and Windows with ICU bundled, so
``pip install`` needs no compiler and no system package. PyPI's ``pyicu`` is a source
distribution that needs ``libicu-dev`` and a C++ compiler; ``icu4py`` has wheels but no
collation; ``pyuca`` knows the root order only, not bokmål's tailoring. The version is
pinned exactly in ``pyproject.toml``: sort keys are comparable only between keys made by
the same ICU version, so a change of version must come with a migration that computes
every stored key again (``keys_of`` over ``users.display_name``, for each language).

What ``nb`` does, as this ICU does it: Æ, Ø, Å follow Z; Ä sorts with Æ, Ö with Ø, Ü with
Y; "aa" is the old spelling of "å" and sorts with it ("Aase" among the Å's); case and
accents decide only between otherwise equal names, lower case first.

What ``en`` does: no letter is tailored. Æ is "ae" (Ærlend among the Ae's, before Anna), Å
is A and Ø is O with an accent that decides only between otherwise equal names (Åse after
Anna, before Oda; Øystein after Oda), and "aa" is two a's (Aase Berg first).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import icu

# The languages with an order of their own, as ``users.locale`` and ``organizations.locale``
# name them; the column each one's key is stored in.
LANGUAGES = ("nb", "en")
COLUMNS = {"nb": "name_sort_key", "en": "name_sort_key_en"}


@cache
def _collator(language: str) -> icu.Collator:
    """One collator per language and process: building one loads the tailoring.
    ``getSortKey`` does not change it, so threads may share it."""
    if language not in LANGUAGES:
        raise ValueError(f"no order for the language {language!r}")
    return icu.Collator.createInstance(icu.Locale(language))


def sort_key(name: str, language: str) -> bytes:
    """``name``'s place in ``language``'s order: keys compare (as bytes) as the names
    collate."""
    return bytes(_collator(language).getSortKey(name))


def keys_of(names: Iterable[str], language: str) -> list[bytes]:
    return [sort_key(name, language) for name in names]
