"""Personal data (docs/privacy.md): what is held about a person, given to them or erased,
and what is no longer needed, deleted every day.

An erasure replaces the person's name, email, member number and auth subject by a
pseudonym wherever their organization's records hold them, in one transaction; the
activities stay, with their ids (the organization's statistics need the counts). Erasing
a person twice is refused (``InvalidState``): the first erasure already removed everything
there was to remove."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.clock import Clock, utcnow
from domain.errors import FieldError, Forbidden, InvalidState, NotFound, ValidationFailed
from domain.model import Principal
from domain.policy import require_admin
from domain.ports.privacy import (
    ALREADY_ERASED,
    FORBIDDEN,
    NO_REASON,
    NOT_FOUND,
    PersonalData,
    Retention,
)

MAX_REASON = 500
BATCH = 5_000

# The kinds of records that expire, in the order they are deleted.
KINDS = (
    "webhook_deliveries",
    "events",
    "emails",
    "sign_in_links",
    "sign_in_requests",
    "screen_sessions",
    "audit_log",
    "deleted_activities",
)

# Plain words for each kind (``bulkreg retention`` prints them).
KIND_WORDS = {
    "webhook_deliveries": "webhook deliveries older than {days} days",
    "events": "events older than {days} days",
    "emails": "emails sent or given up more than {days} days ago",
    "sign_in_links": "sign-in links used or expired more than {days} day ago",
    "sign_in_requests": "counts of sign-in link requests older than {days} day",
    "screen_sessions": "screen sessions that have ended or expired",
    "audit_log": "audit-log entries older than {days} days",
    "deleted_activities": "deleted activities deleted more than {days} days ago",
}


@dataclass(frozen=True)
class RetentionDays:
    """How long each kind is kept, in days (screen sessions: until they end)."""

    audit_log: int = 1825
    deleted_activities: int = 365
    events: int = 30
    webhook_deliveries: int = 30
    emails: int = 30
    sign_in_links: int = 1
    sign_in_requests: int = 1
    screen_sessions: int = 0

    def days(self, kind: str) -> int:
        return int(getattr(self, kind))

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        return {kind: now - timedelta(days=self.days(kind)) for kind in KINDS}

    def words(self, kind: str) -> str:
        return KIND_WORDS[kind].format(days=self.days(kind))


def _person_of_org(people: PersonalData, principal: Principal, user_id: UUID) -> None:
    require_admin(principal, "export or erase a person's data")
    if people.org_of(principal, user_id) != principal.org_id:
        raise NotFound("no such person")


def export(people: PersonalData, principal: Principal, user_id: UUID) -> dict[str, Any]:
    """Everything held about a person of the admin's organization."""
    _person_of_org(people, principal, user_id)
    found = people.export(principal, user_id)
    if found is None:
        raise NotFound("no such person")
    return found


def check_reason(reason: str) -> str:
    if not reason.strip() or len(reason) > MAX_REASON:
        raise ValidationFailed(
            [FieldError(("body", "reason"), "give a reason of 1 to 500 characters", "value_error")]
        )
    return reason


def erase(people: PersonalData, principal: Principal, user_id: UUID, *, reason: str) -> str:
    """Erase a person of the admin's organization; the pseudonym they now have."""
    _person_of_org(people, principal, user_id)
    return answered(people.erase(principal, user_id, check_reason(reason)))


def answered(outcome: str) -> str:
    """The pseudonym, or the refusal as the error it is."""
    if outcome == FORBIDDEN:
        raise Forbidden("only admins may erase a person")
    if outcome == NOT_FOUND:
        raise NotFound("no such person")
    if outcome == ALREADY_ERASED:
        raise InvalidState("this person has already been erased")
    if outcome == NO_REASON:
        check_reason("")
    return outcome


def preview(retention: Retention, keep: RetentionDays, *, clock: Clock = utcnow) -> dict[str, int]:
    """How many records of each kind the next run would delete."""
    cutoffs = keep.cutoffs(clock())
    return {kind: retention.expiring(kind, cutoffs[kind]) for kind in KINDS}


def expire(
    retention: Retention,
    keep: RetentionDays,
    *,
    batch: int = BATCH,
    clock: Clock = utcnow,
    deleted: Callable[[str, int], None] = lambda kind, count: None,
) -> dict[str, int]:
    """Delete what is no longer needed, ``batch`` rows per transaction, kind by kind; a
    batch that comes back short (rows held by others were skipped) ends that kind's turn
    until the next run. ``deleted`` hears each batch (the metrics)."""
    cutoffs = keep.cutoffs(clock())
    totals = {}
    for kind in KINDS:
        total = 0
        while True:
            count = retention.expire(kind, cutoffs[kind], batch)
            if count:
                deleted(kind, count)
            total += count
            if count < batch:
                break
        totals[kind] = total
    return totals
