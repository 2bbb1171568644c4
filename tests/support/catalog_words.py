"""The English of the screen's interface, as the catalogs hold it: what a bokmål page must
not show."""

from __future__ import annotations

import re
from functools import cache

from babel.messages.pofile import read_po

from api.screen.catalogs import API

PLACEHOLDER = re.compile(r"%\(\w+\)s")


@cache
def english_words() -> list[str]:
    """Each msgid's literal parts (split at its placeholders) that bokmål does not share: a
    whole message, or a part of more than one word."""
    with (API / "locale" / "nb" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="nb")
    norwegian = " ".join(
        s
        for m in catalog
        if m.id
        for s in ([m.string] if isinstance(m.string, str) else list(m.string or ()))
    )
    found: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        for msgid in [message.id] if isinstance(message.id, str) else message.id:
            parts = [p.strip(" .,:;()…“”") for p in PLACEHOLDER.split(msgid)]
            whole = len(parts) == 1
            for part in parts:
                if part and (whole or " " in part) and part not in norwegian:
                    found.add(part)
    return sorted(found)
