"""Signing in: who a caller is, from an identity provider or a sign-in link."""

from __future__ import annotations

from typing import Protocol

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
