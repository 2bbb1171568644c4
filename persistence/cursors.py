"""Opaque keyset cursors: the sort key of the last row of a page — (created_at, id) of a
job or an activity, (the name's sort key, id) of a peer mentor (with the language whose order
the key is in), (at, id) of an audit entry.
A cursor that this API did not issue is a ``BadCursor`` (422), never a query."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

from domain.errors import BadCursor
from persistence.collation import LANGUAGES


def _pack(first: object, last: object) -> str:
    """``last`` may contain the separator (a name); ``first`` never does."""
    raw = f"{first}|{last}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unpack(cursor: str) -> tuple[str, str]:
    """Raises ``ValueError`` (or ``UnicodeDecodeError``) for what ``_pack`` did not make."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    first, last = raw.split("|", 1)
    if "\x00" in raw:
        raise ValueError("NUL in a cursor")
    return first, last


def encode(created_at: datetime, row_id: UUID) -> str:
    return _pack(created_at.isoformat(), row_id)


def decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        created_at, row_id = _unpack(cursor)
        return datetime.fromisoformat(created_at), UUID(row_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("cursor is not one this API issued") from error


def encode_sort_key(key: bytes, row_id: UUID, language: str) -> str:
    """A cursor of a listing ordered by a name's sort key in ``language``'s order
    (``persistence/collation.py``): the cursor says which order it was made in."""
    return _pack(row_id, f"{language}:{key.hex()}")


def decode_sort_key(cursor: str) -> tuple[bytes, UUID, str]:
    """The key, the id and the language of the order. A cursor issued before there was an
    order per language (the key alone) was made in bokmål order."""
    try:
        row_id, last = _unpack(cursor)
        language, _, key = last.rpartition(":")
        language = language or "nb"
        if language not in LANGUAGES:
            raise ValueError(f"no order for the language {language!r}")
        return bytes.fromhex(key), UUID(row_id), language
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("cursor is not one this API issued") from error


def encode_entry(at: datetime, entry_id: int) -> str:
    """A cursor of the audit log."""
    return _pack(at.isoformat(), entry_id)


def decode_entry(cursor: str) -> tuple[datetime, int]:
    try:
        at, entry_id = _unpack(cursor)
        return datetime.fromisoformat(at), int(entry_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("cursor is not one this API issued") from error
