"""Signing in: who a caller is, from an identity provider or a sign-in link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.model import Principal


@dataclass(frozen=True)
class EmailedLink:
    """A sign-in link made for someone who asked by email: whose, and of which organization."""

    principal: Principal
    link: str
    organization: str


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

    def request_links(self, email: str, address_key: bytes, client_key: bytes) -> list[EmailedLink]:
        """Count a request for sign-in links by email and, within its limits (5 an hour for
        an address, 30 for a client), make a single-use link for every active coordinator
        or admin with that address. Nothing over the
        limits, nor for an address nobody active staff has."""
        ...
