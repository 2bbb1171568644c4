"""The order people are listed in: bokmål's alphabet (… X Y Z Æ Ø Å), as CLDR's ``nb``
collation has it, stored beside each name as a sort key (``users.name_sort_key``) that
PostgreSQL compares byte by byte (``bytea``) and indexes.

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
every stored key again (``keys_of`` over ``users.display_name``).

What ``nb`` does, as this ICU does it: Æ, Ø, Å follow Z; Ä sorts with Æ, Ö with Ø, Ü with
Y; "aa" is the old spelling of "å" and sorts with it ("Aase" among the Å's); case and
accents decide only between otherwise equal names, lower case first.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import icu

LOCALE = "nb"


@cache
def _collator() -> icu.Collator:
    """One collator per process: building one loads the tailoring. ``getSortKey`` does not
    change it, so threads may share it."""
    return icu.Collator.createInstance(icu.Locale(LOCALE))


def sort_key(name: str) -> bytes:
    """``name``'s place in bokmål order: keys compare (as bytes) as the names collate."""
    return bytes(_collator().getSortKey(name))


def keys_of(names: Iterable[str]) -> list[bytes]:
    return [sort_key(name) for name in names]
