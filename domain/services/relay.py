"""The relay's use case: send what is due, record what happened, schedule what failed.

Each round claims a batch of due deliveries (a short lease, committed at once, so that
another relay skips them), sends them outside any transaction, then records every attempt in
one transaction. A relay that dies mid-round leaves leases that run out within seconds;
the deliveries are sent again then (at least once). A failed attempt is retried with
exponential back-off, ``base · 2^(attempt-1)`` capped at an hour, until the retry window
(24 h by default) since the event is over; then the delivery is failed for good.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from domain.ports import Outgoing, Sent, UnitsOfWork
from domain.services.bulk import Clock, utcnow

MAX_DELAY_SECONDS = 3600
SendAll = Callable[[Sequence[Outgoing]], Sequence[Sent]]


def retry_at(
    outgoing: Outgoing, now: datetime, *, base_seconds: float, window: timedelta
) -> datetime | None:
    """When to try again after a failed attempt, or None once the window is over."""
    delay = min(base_seconds * 2 ** (outgoing.attempt - 1), MAX_DELAY_SECONDS)
    at = now + timedelta(seconds=delay)
    return at if at <= outgoing.first_queued_at + window else None


def deliver_due(
    uows: UnitsOfWork,
    send_all: SendAll,
    *,
    limit: int,
    lease_seconds: float,
    base_seconds: float,
    window: timedelta,
    clock: Clock = utcnow,
) -> int:
    """One round; returns how many attempts it made."""
    with uows.maintenance() as uow:
        batch = uow.relay.claim_due(limit, lease_seconds)
        uow.commit()
    if not batch:
        return 0
    results = send_all(batch)
    now = clock()
    with uows.maintenance() as uow:
        for outgoing, sent in zip(batch, results, strict=True):
            later = None if sent.ok else retry_at(
                outgoing, now, base_seconds=base_seconds, window=window
            )  # fmt: skip
            uow.relay.record(outgoing, sent, later)
        uow.commit()
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
