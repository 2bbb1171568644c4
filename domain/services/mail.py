"""Email through the outbox (docs/api.md, "Signing in and hearing back").

Notifications of a job are written by the database in the transaction that writes the job's
event (the trigger ``bulk_jobs_notify``); other code writes a message with ``enqueue_email``
inside its own unit of work, so the message exists exactly when the change that causes it
was committed. The relay (``workers/relay.py``) claims what is due, sends it outside any
transaction, and records each attempt in a transaction of its own: at least once, retried
with the webhooks' back-off until their window is over, then given up.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.clock import Clock, utcnow
from domain.ports.mail import OutgoingEmail
from domain.ports.units import UnitOfWork, UnitsOfWork
from domain.services.relay import Retries, backoff

PER_ORG = 4  # messages of one organization in flight at once


def enqueue_email(
    uow: UnitOfWork,
    *,
    org_id: UUID,
    recipient_user_id: UUID,
    kind: str,
    payload: dict[str, Any],
) -> UUID | None:
    """Write one message to its recipient (the unit of work's own identity) into the outbox,
    in the caller's transaction; the caller commits. None: they have no address."""
    return uow.mail.enqueue(org_id, recipient_user_id, kind, payload)


def claim(
    uows: UnitsOfWork, limit: int, *, lease_seconds: float, per_org: int = PER_ORG
) -> list[OutgoingEmail]:
    if limit <= 0:
        return []
    with uows.maintenance() as uow:
        claimed = uow.mail.claim_due(limit, lease_seconds, per_org=per_org)
        uow.commit()
    return claimed


def settle(
    uows: UnitsOfWork,
    email: OutgoingEmail,
    error: str | None,
    retries: Retries,
    clock: Clock = utcnow,
) -> None:
    """One attempt's outcome, in a transaction of its own."""
    later = (
        None if error is None else backoff(email.attempt, email.first_queued_at, clock(), retries)
    )
    with uows.maintenance() as uow:
        uow.mail.record(email, error, later)
        uow.commit()


def next_due_in(uows: UnitsOfWork) -> float | None:
    with uows.maintenance() as uow:
        return uow.mail.next_due_in()
