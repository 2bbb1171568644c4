"""Opaque keyset cursors: (created_at, id) of the last row of a page."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID


class BadCursor(ValueError):
    pass


def encode(created_at: datetime, row_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, row_id = raw.split("|")
        return datetime.fromisoformat(created_at), UUID(row_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("cursor is not one this API issued") from error


def encode_name(name: str, row_id: UUID) -> str:
    """A cursor of a listing ordered by name: (name, id) of the last row of a page."""
    raw = f"{row_id}|{name}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_name(cursor: str) -> tuple[str, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        row_id, name = raw.split("|", 1)
        if "\x00" in name:
            raise ValueError("NUL in a cursor")
        return name, UUID(row_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("cursor is not one this API issued") from error


def encode_entry(at: datetime, entry_id: int) -> str:
    """A cursor of the audit log: (time, id) of the last entry of a page."""
    raw = f"{at.isoformat()}|{entry_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_entry(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, entry_id = raw.split("|")
        return datetime.fromisoformat(at), int(entry_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("cursor is not one this API issued") from error
