"""The relay's use case: claim what is due, and record each attempt as it is answered.

A claim takes due deliveries under a short lease (committed at once, so that another relay
skips them), no more per webhook and per organization than their bounds allow in flight
(one receiver that answers slowly cannot hold up another's deliveries). Each delivery is sent
outside any transaction and its outcome recorded in a transaction of its own as soon as it is
answered: a relay that dies re-sends, once its leases run out, only what had no answer yet.
A failed attempt is retried with exponential back-off, ``base · 2^(attempt-1)`` capped at an
hour, until the retry window (24 h by default) since the event is over; then the delivery is
failed for good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.clock import Clock, utcnow
from domain.ports.units import UnitsOfWork
from domain.ports.webhooks import Outgoing, Sent

MAX_DELAY_SECONDS = 3600
Send = Callable[[Outgoing], Sent]


@dataclass(frozen=True)
class Bounds:
    """How many deliveries may be in flight: per webhook, per organization."""

    per_webhook: int = 2
    per_org: int = 4


@dataclass(frozen=True)
class Retries:
    base_seconds: float
    window: timedelta


def retry_at(outgoing: Outgoing, now: datetime, retries: Retries) -> datetime | None:
    """When to try again after a failed attempt, or None once the window is over."""
    return backoff(outgoing.attempt, outgoing.first_queued_at, now, retries)


def backoff(
    attempt: int, first_queued_at: datetime, now: datetime, retries: Retries
) -> datetime | None:
    """When to try again after failed attempt number ``attempt`` (of a webhook delivery or an
    email), or None once the window since ``first_queued_at`` is over."""
    delay = min(retries.base_seconds * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
    at = now + timedelta(seconds=delay)
    return at if at <= first_queued_at + retries.window else None


def claim(uows: UnitsOfWork, limit: int, *, lease_seconds: float, bounds: Bounds) -> list[Outgoing]:
    if limit <= 0:
        return []
    with uows.maintenance() as uow:
        claimed = uow.relay.claim_due(
            limit, lease_seconds, per_webhook=bounds.per_webhook, per_org=bounds.per_org
        )
        uow.commit()
    return claimed


def settle(
    uows: UnitsOfWork, outgoing: Outgoing, sent: Sent, retries: Retries, clock: Clock = utcnow
) -> None:
    """One attempt's outcome, in a transaction of its own."""
    later = None if sent.ok else retry_at(outgoing, clock(), retries)
    with uows.maintenance() as uow:
        uow.relay.record(outgoing, sent, later)
        uow.commit()


def deliver_due(
    uows: UnitsOfWork,
    send: Send,
    *,
    limit: int,
    lease_seconds: float,
    retries: Retries,
    bounds: Bounds = Bounds(),
    clock: Clock = utcnow,
) -> int:
    """One round, one delivery after another (the relay process sends concurrently, with
    ``claim`` and ``settle``); returns how many attempts it made."""
    batch = claim(uows, limit, lease_seconds=lease_seconds, bounds=bounds)
    for outgoing in batch:
        settle(uows, outgoing, send(outgoing), retries, clock)
    return len(batch)


def next_due_in(uows: UnitsOfWork) -> float | None:
    with uows.maintenance() as uow:
        return uow.relay.next_due_in()


def expire_events(uows: UnitsOfWork, older_than_days: int) -> int:
    with uows.maintenance() as uow:
        if not uow.jobs.try_lock("bulkreg.expire-events"):
            return 0
        gone = uow.relay.expire_events(older_than_days)
        uow.commit()
        return gone
