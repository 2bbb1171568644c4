"""Webhooks as admins manage them, and the relay that delivers events to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.ports.common import Page
from domain.webhooks import Delivery, Event, Webhook


class Webhooks(Protocol):
    def add(self, webhook: Webhook, secret: str, created_by: UUID) -> None: ...
    def listing(self) -> list[Webhook]: ...
    def remove(self, webhook_id: UUID) -> bool:
        """Delete it (its history stays) and cancel its pending deliveries."""
        ...

    def deliveries(
        self, webhook_id: UUID, cursor: str | None, limit: int
    ) -> Page[Delivery] | None: ...


@dataclass(frozen=True)
class Outgoing:
    """One attempt at one delivery, claimed by the relay."""

    delivery_id: UUID
    attempt: int
    url: str
    secret: str
    event: Event
    first_queued_at: datetime


@dataclass(frozen=True)
class Sent:
    """What became of an attempt: the receiver's status code, or why there was none."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Relay(Protocol):
    def claim_due(
        self, limit: int, lease_seconds: float, *, per_webhook: int, per_org: int
    ) -> list[Outgoing]:
        """Up to ``limit`` due deliveries, leased: none beyond ``per_webhook`` in flight
        for one webhook, nor beyond ``per_org`` for one organization."""
        ...

    def record(self, outgoing: Outgoing, sent: Sent, retry_at: datetime | None) -> None:
        """Record the attempt: delivered if it went through, else pending until
        ``retry_at``, or failed for good when that is None."""
        ...

    def next_due_in(self) -> float | None: ...
    def expire_events(self, older_than_days: int) -> int: ...
