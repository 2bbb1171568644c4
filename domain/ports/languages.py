"""The screen's language: the one a user picked, and their organization's default."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.languages import Language


class Languages(Protocol):
    def of(self, user_id: UUID) -> tuple[Language | None, Language] | None:
        """The user's own pick (None: not picked) and their organization's default; None
        for a user this unit of work cannot see."""
        ...

    def pick(self, user_id: UUID, language: Language | None) -> bool:
        """Keep ``language`` as the user's own (None: their organization's from now on);
        False when the row is not the caller's to change."""
        ...
