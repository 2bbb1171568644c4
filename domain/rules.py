"""Pure rules: what a submission must satisfy, and what happens to each participant.

The same functions serve bulk jobs and single proxy registrations, so there is one
definition of a valid participant and of a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.errors import FieldError
from domain.model import (
    ActivityDraft,
    Decision,
    ExistingActivity,
    JobItem,
    JobStatus,
    KeyKind,
    NewActivity,
    OnConflict,
    Outcome,
    ParticipantRequest,
    Registration,
    Role,
    UserRecord,
)
from domain.words import N_, phrase

ACTIVITY = ("body", "activity")


@dataclass(frozen=True)
class Limits:
    max_participants: int = 10_000
    max_backdate_days: int = 365


def check_activity(
    draft: ActivityDraft, *, today: date, limits: Limits, type_is_active: bool
) -> list[FieldError]:
    errors = []
    if draft.occurred_on > today:
        future = phrase(N_("must not be in the future"))
        errors.append(FieldError.said((*ACTIVITY, "occurred_on"), future))
    elif draft.occurred_on < today - timedelta(days=limits.max_backdate_days):
        within = N_("must be within the last %(days)s days")
        old = phrase(within, days=limits.max_backdate_days)
        errors.append(FieldError.said((*ACTIVITY, "occurred_on"), old))
    if not type_is_active:
        inactive = phrase(N_("is not an active activity type of your organization"))
        errors.append(FieldError.said((*ACTIVITY, "activity_type"), inactive))
    return errors


def check_participants(participants: list[ParticipantRequest], limits: Limits) -> list[FieldError]:
    """Each participant named by exactly one key, and no key twice (emails without case)."""
    if len(participants) > limits.max_participants:
        at_most = N_("at most %(max)s participants per submission")
        many = phrase(at_most, max=limits.max_participants)
        return [FieldError.said(("body", "participants"), many, "too_long")]
    errors: list[FieldError] = []
    seen: set[tuple[KeyKind, str]] = set()
    for index, participant in enumerate(participants):
        keys = participant.keys()
        if len(keys) != 1:
            errors.append(FieldError(("body", "participants", index), ONE_KEY, "one_key"))
            continue
        key = keys[0]
        if (key.kind, key.canonical) in seen:
            twice = phrase(N_("appears more than once"))
            loc = ("body", "participants", index, key.kind.value)
            errors.append(FieldError.said(loc, twice, "duplicate"))
        seen.add((key.kind, key.canonical))
    return errors


ONE_KEY = "name the peer mentor by exactly one of peer_mentor_id, email or member_number"
PARTICIPANT_ERRORS = {
    "unknown_participant": "no such peer mentor in your organization",
    "inactive_participant": "the peer mentor is inactive",
    "not_a_peer_mentor": "the user is not a peer mentor",
    "duplicate_participant": "names a peer mentor already named by another participant",
}


def participant_error(user: UserRecord | None, org_id: UUID) -> str | None:
    """Why this user cannot be registered for, or None. Another organization's user is
    reported exactly like a missing one: nothing about it leaks."""
    if user is None or user.org_id != org_id:
        return "unknown_participant"
    if user.role is not Role.PEER_MENTOR:
        return "not_a_peer_mentor"
    if not user.active:
        return "inactive_participant"
    return None


def assess(item: JobItem, error: str | None, existing: ExistingActivity | None) -> None:
    """Set the item's pre-commit outcome: cancelled, invalid (``error`` from
    ``participant_error``), conflict or ready."""
    item.activity_id = None
    item.conflict = existing
    item.error_code = item.error_message = None
    if item.decision is Decision.CANCEL:
        item.outcome = Outcome.CANCELLED
        return
    if error:
        item.outcome = Outcome.INVALID
        item.error_code, item.error_message = error, PARTICIPANT_ERRORS[error]
    elif existing is not None and not overrides(item):
        item.outcome = Outcome.CONFLICT
    else:
        item.outcome = Outcome.READY


def overrides(item: JobItem) -> bool:
    return item.override_duplicate or item.decision is Decision.OVERRIDE


@dataclass(frozen=True)
class BatchOutcome:
    status: JobStatus
    activities: list[NewActivity]
    error: tuple[str, str] | None = None


def apply_on_conflict(items: Iterable[JobItem], registration: Registration) -> BatchOutcome:
    """Apply the registration's ``on_conflict`` to assessed items, in place: when the batch
    goes ahead, each item gets its final outcome (skipped, registered, overridden) and the
    id of its new activity. Returns the job's next status and the rows to write (if any).

    review: any conflict or invalid item → needs_review, nothing written.
    skip:   conflicts and invalid items are skipped, the rest written.
    fail:   any conflict or invalid item → failed, nothing written.
    """
    items = list(items)
    on_conflict = registration.on_conflict
    blocked = [i for i in items if i.outcome in (Outcome.CONFLICT, Outcome.INVALID)]
    if blocked and on_conflict is OnConflict.REVIEW:
        return BatchOutcome(JobStatus.NEEDS_REVIEW, [])
    if blocked and on_conflict is OnConflict.FAIL:
        conflicts = sum(1 for i in blocked if i.outcome is Outcome.CONFLICT)
        invalid = len(blocked) - conflicts
        code = "conflicts_found" if conflicts else "invalid_participants"
        message = f"{conflicts} conflicting and {invalid} invalid participants; nothing was written"
        return BatchOutcome(JobStatus.FAILED, [], (code, message))
    activities = []
    for item in items:
        if item.outcome in (Outcome.CONFLICT, Outcome.INVALID):
            item.outcome = Outcome.SKIPPED
            continue
        if item.outcome is not Outcome.READY:
            continue
        assert item.peer_mentor_id is not None  # a ready item names its person
        item.activity_id = registration.new_id()
        overridden = item.conflict_activity_id is not None
        item.outcome = Outcome.OVERRIDDEN if overridden else Outcome.REGISTERED
        duplicate_of = item.conflict_activity_id if overridden else None
        activities.append(
            registration.activity(item.activity_id, item.peer_mentor_id, duplicate_of)
        )
    return BatchOutcome(JobStatus.SUCCEEDED, activities)
