"""In-memory events, webhooks and relay, for the use cases' unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.model import Principal
from domain.ports.common import Page
from domain.ports.events import Events
from domain.ports.webhooks import Outgoing, Relay, Sent, Webhooks
from domain.webhooks import Delivery, Event, Webhook, matches


@dataclass
class EventStore:
    events: list[Event] = field(default_factory=list)
    webhooks: dict[UUID, tuple[Webhook, str]] = field(default_factory=dict)
    removed: set[UUID] = field(default_factory=set)
    due: list[Outgoing] = field(default_factory=list)
    recorded: list[tuple[Outgoing, Sent, datetime | None]] = field(default_factory=list)


class FakeEvents(Events):
    def __init__(self, store: EventStore, principal: Principal) -> None:
        self.store, self.principal = store, principal

    def page(self, after: str | None, types: Sequence[str], limit: int) -> list[Event] | None:
        mine = [e for e in self.store.events if e.org_id == self.principal.org_id]
        ids = [e.id for e in mine]
        if after is not None and after not in ids:
            return None
        start = ids.index(after) + 1 if after is not None else 0
        wanted = [e for e in mine[start:] if not types or any(matches(t, e.type) for t in types)]
        return wanted[:limit]


class FakeWebhooks(Webhooks):
    def __init__(self, store: EventStore, principal: Principal) -> None:
        self.store, self.principal = store, principal

    def add(self, webhook: Webhook, secret: str, created_by: UUID) -> None:
        self.store.webhooks[webhook.id] = (replace(webhook, secret=None), secret)

    def listing(self) -> list[Webhook]:
        return [
            w
            for w, _ in self.store.webhooks.values()
            if w.org_id == self.principal.org_id and w.id not in self.store.removed
        ]

    def remove(self, webhook_id: UUID) -> bool:
        found = any(w.id == webhook_id for w in self.listing())
        self.store.removed |= {webhook_id} if found else set()
        return found

    def deliveries(self, webhook_id: UUID, cursor: str | None, limit: int) -> Page[Delivery] | None:
        hook = self.store.webhooks.get(webhook_id)
        return Page([], None) if hook and hook[0].org_id == self.principal.org_id else None


class FakeRelay(Relay):
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def claim_due(
        self, limit: int, lease_seconds: float, *, per_webhook: int, per_org: int
    ) -> list[Outgoing]:
        batch, self.store.due = self.store.due[:limit], self.store.due[limit:]
        return batch

    def record(self, outgoing: Outgoing, sent: Sent, retry_at: datetime | None) -> None:
        self.store.recorded.append((outgoing, sent, retry_at))

    def next_due_in(self) -> float | None:
        return 0.0 if self.store.due else None

    def expire_events(self, older_than_days: int) -> int:
        edge = datetime.now(UTC) - timedelta(days=older_than_days)
        kept = [e for e in self.store.events if e.created_at >= edge]
        gone, self.store.events = len(self.store.events) - len(kept), kept
        return gone
