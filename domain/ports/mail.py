"""The mail outbox: messages written with the change that causes them, sent by the relay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class OutgoingEmail:
    """One attempt at one message, claimed by the relay."""

    email_id: UUID
    org_id: UUID
    event_id: str | None
    kind: str
    language: str
    to_address: str
    payload: dict[str, Any]
    attempt: int
    first_queued_at: datetime


class Mail(Protocol):
    def enqueue(
        self, org_id: UUID, recipient_user_id: UUID, kind: str, payload: dict[str, Any]
    ) -> UUID | None:
        """A message to the caller (the unit of work's identity), in this transaction; None,
        and nothing written, when they have no address, are inactive, or are not the caller."""
        ...


class MailRelay(Protocol):
    def claim_due(self, limit: int, lease_seconds: float, *, per_org: int) -> list[OutgoingEmail]:
        """Up to ``limit`` due messages, leased, in turns by organization: none beyond
        ``per_org`` in flight for one organization."""
        ...

    def record(self, email: OutgoingEmail, error: str | None, retry_at: datetime | None) -> None:
        """Sent when ``error`` is None; else pending until ``retry_at``, or given up when
        that is None."""
        ...

    def next_due_in(self) -> float | None: ...
