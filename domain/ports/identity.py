"""Signing in: who a caller is, from an identity provider or a sign-in link."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.model import Principal


class SignIns(Protocol):
    """What the server answers before it knows who is calling."""

    def for_subject(self, subject: str) -> Principal | None:
        """The active user an identity provider's ``sub`` names."""
        ...

    def redeem(self, digest: bytes) -> Principal | None:
        """Use a sign-in link (by its digest) once: its coordinator, if it is unused,
        unexpired and they are still active staff; then never again."""
        ...

    def open_session(self, digest: bytes, user_id: UUID, lifetime_seconds: int) -> bool:
        """Store a screen session (by its digest) for an active staff member; False for
        anyone else."""
        ...

    def session(self, digest: bytes, idle_seconds: int) -> Principal | None:
        """The staff member of a live session, which this use keeps alive; None for an
        ended, expired, idle or unknown one, or a user no longer active staff."""
        ...

    def end_session(self, digest: bytes) -> None: ...
