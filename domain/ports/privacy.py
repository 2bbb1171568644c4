"""Personal data: a person's records exported or erased, and old records expired."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.model import Principal

# What ``erase`` answers instead of a pseudonym when it did nothing.
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
ALREADY_ERASED = "already_erased"
NO_REASON = "no_reason"
REFUSALS = frozenset({FORBIDDEN, NOT_FOUND, ALREADY_ERASED, NO_REASON})


class PersonalData(Protocol):
    """A person's records, as an admin of their organization sees them (the API), or as the
    operator does (the command line: ``principal`` is then ``None``)."""

    def org_of(self, principal: Principal | None, user_id: UUID) -> UUID | None:
        """The person's organization, or None when the caller cannot see them."""
        ...

    def export(self, principal: Principal | None, user_id: UUID) -> dict[str, Any] | None:
        """Everything held about the person, or None when the caller may not have it."""
        ...

    def erase(self, principal: Principal | None, user_id: UUID, reason: str) -> str:
        """The person erased in one transaction: the pseudonym they now have, or one of
        ``REFUSALS`` when nothing was done."""
        ...


class Retention(Protocol):
    """Records no longer needed, by kind (``domain.services.privacy.KINDS``)."""

    def expire(self, kind: str, before: datetime, batch: int) -> int:
        """Delete at most ``batch`` rows of the kind older than ``before`` (one short
        transaction; rows other transactions hold are skipped) and say how many."""
        ...

    def expiring(self, kind: str, before: datetime) -> int:
        """How many rows of the kind are older than ``before``."""
        ...
