"""Keyset cursors round-trip their sort key, and anything else is a BadCursor."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.errors import BadCursor
from persistence import cursors


def test_each_kind_of_cursor_gives_back_its_key() -> None:
    at, row = datetime(2026, 12, 2, 20, 30, tzinfo=UTC), uuid4()
    assert cursors.decode(cursors.encode(at, row)) == (at, row)
    key = b"\x5e\x77|\x00"  # a sort key is any bytes, the separator and NUL among them
    for language in ("nb", "en"):  # the cursor says which language's order it was made in
        cursor = cursors.encode_sort_key(key, row, language)
        assert cursors.decode_sort_key(cursor) == (key, row, language)
    assert cursors.decode_entry(cursors.encode_entry(at, 42)) == (at, 42)


def test_a_cursor_made_before_orders_had_languages_was_made_in_bokmal_order() -> None:
    row = uuid4()
    old = base64.urlsafe_b64encode(f"{row}|5e77".encode()).decode().rstrip("=")
    assert cursors.decode_sort_key(old) == (b"\x5e\x77", row, "nb")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        base64.urlsafe_b64encode(b"no separator").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe|x").decode(),
        base64.urlsafe_b64encode(f"{UUID(int=1)}|Kari Nordmann".encode()).decode(),  # by name
        base64.urlsafe_b64encode(f"{UUID(int=1)}|5e\x0077".encode()).decode(),
        base64.urlsafe_b64encode(f"{UUID(int=1)}|de:5e77".encode()).decode(),  # no such order
        cursors.encode_entry(datetime(2026, 12, 2, 20, 30, tzinfo=UTC), 7)[::-1],
    ],
)
def test_anything_else_is_a_bad_cursor(cursor: str) -> None:
    for decode in (cursors.decode, cursors.decode_sort_key, cursors.decode_entry):
        with pytest.raises(BadCursor):
            decode(cursor)
