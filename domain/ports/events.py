"""The organization's event feed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.webhooks import Event


class Events(Protocol):
    def page(self, after: str | None, types: Sequence[str], limit: int) -> list[Event] | None:
        """The organization's events in commit order, after the event ``after`` (None: if
        it names no event the caller can see)."""
        ...
