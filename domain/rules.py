"""Pure rules: what a submission must satisfy, and what happens to each participant.

The same functions serve bulk jobs and single proxy registrations, so there is one
definition of a valid participant and of a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from domain.errors import FieldError
from domain.explain import explained
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
from domain.words import N_, N_plural, counted, english_plural, phrase

ACTIVITY = ("body", "activity")
# What a new activity type's code may hold (docs/api.md, "CLI"): it is typed into files,
# URLs and command lines, so lowercase ASCII letters, digits, ``_`` and ``-``, beginning
# with a letter or a digit.
CODE_ALPHABET = r"^[a-z0-9][a-z0-9_-]*$"
NewActivityTypeCode = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=CODE_ALPHABET)
]


@dataclass(frozen=True)
class Limits:
    max_participants: int = 10_000
    max_backdate_days: int = 365


def check_activity(
    draft: ActivityDraft, *, today: date, limits: Limits, type_is_active: bool
) -> list[FieldError]:
    errors = []
    if draft.occurred_on > today:
        future = phrase(N_("The date must not be in the future: pick today or an earlier day."))
        errors.append(FieldError.said((*ACTIVITY, "occurred_on"), future))
    elif draft.occurred_on < today - timedelta(days=limits.max_backdate_days):
        within = N_plural(
            "The date must be within the last %(num)s day.",
            "The date must be within the last %(num)s days.",
        )
        old = counted(within, limits.max_backdate_days)
        errors.append(FieldError.said((*ACTIVITY, "occurred_on"), old))
    if not type_is_active:
        inactive = phrase(
            N_("This is not one of your organization's active activity types: pick one of them.")
        )
        errors.append(FieldError.said((*ACTIVITY, "activity_type"), inactive))
    return errors


def check_participants(participants: list[ParticipantRequest], limits: Limits) -> list[FieldError]:
    """Each participant named by exactly one key, and no key twice (emails without case)."""
    if len(participants) > limits.max_participants:
        at_most = N_plural(
            "A submission names at most %(num)s participant: split the list.",
            "A submission names at most %(num)s participants: split the list.",
        )
        many = counted(at_most, limits.max_participants)
        return [FieldError.said(("body", "participants"), many, "too_long")]
    errors: list[FieldError] = []
    seen: set[tuple[KeyKind, str]] = set()
    for index, participant in enumerate(participants):
        keys = participant.keys()
        if len(keys) != 1:
            at = ("body", "participants", index)
            errors.append(FieldError.said(at, explained("one_key", at), "one_key"))
            continue
        key = keys[0]
        if (key.kind, key.canonical) in seen:
            twice = phrase(N_("This person is named more than once: name each person once."))
            loc = ("body", "participants", index, key.kind.value)
            errors.append(FieldError.said(loc, twice, "duplicate"))
        seen.add((key.kind, key.canonical))
    return errors


ONE_KEY = str(explained("one_key", ()))
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
    ``participant_error``), conflict or ready. An item the coordinator's decision cancelled
    keeps why it needed one: its error, or the activity it would duplicate."""
    item.activity_id = None
    item.conflict = existing
    item.error_code = item.error_message = None
    if error:
        item.error_code, item.error_message = error, PARTICIPANT_ERRORS[error]
    if item.decision is Decision.CANCEL:
        item.outcome = Outcome.CANCELLED
    elif error:
        item.outcome = Outcome.INVALID
    elif existing is not None and not overrides(item):
        item.outcome = Outcome.CONFLICT
    else:
        item.outcome = Outcome.READY


def _participants(count: int, which: str) -> str:
    """``1 conflicting participant``, ``2 invalid participants``: the job's error message
    (English, as the API and the command line say it; the screen words the error's code)."""
    return english_plural(f"{count} {which} participant", f"{count} {which} participants", count)


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
        message = (
            f"{_participants(conflicts, 'conflicting')} and {_participants(invalid, 'invalid')}; "
            "nothing was written"
        )
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
