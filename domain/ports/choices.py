"""Each user's choices of the emails they get about their bulk jobs (docs/api.md, "Signing in
and hearing back")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class NotificationChoices:
    """Whether the submitter of a job gets an email when it reaches each status."""

    needs_review: bool = True
    failed: bool = True
    succeeded: bool = False


class Choices(Protocol):
    def of(self, user_id: UUID) -> NotificationChoices | None:
        """The user's own choices; None for a user this unit of work may not change."""
        ...

    def choose(self, user_id: UUID, choices: NotificationChoices) -> bool:
        """Keep ``choices`` on the user; False when the row is not the caller's to change."""
        ...
