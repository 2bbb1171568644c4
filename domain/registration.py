"""Registering activities: one implementation for bulk jobs and proxy registrations.

Not a use case of its own: it runs inside the caller's unit of work (the worker's attempt
at a job, or a coordinator's proxy registration) and leaves committing to it, so the
validation of participants, the duplicate check (one query for the whole batch) and the
insert commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.model import Decision, JobItem, Outcome, Registration
from domain.ports.activities import Screening
from domain.ports.audit import AuditEntry
from domain.ports.units import UnitOfWork
from domain.rules import BatchOutcome, apply_on_conflict, assess, participant_error

NOBODY: tuple[None, None] = (None, None)


def register_items(
    uow: UnitOfWork,
    items: Sequence[JobItem],
    registration: Registration,
    *,
    screening: Screening | None = None,
) -> BatchOutcome:
    """Resolve, screen and assess the items, then write what ``on_conflict`` lets through.

    Items name their person already (``peer_mentor_id``), or ``screening`` says whom each
    names (``Screening.people``, by index: the worker resolves a job's keys in the statement
    that screens it). ``screening`` covers the items a decision cancelled too: they are
    assessed like the others and keep their conflict or error, but are never written. Two
    live items that name the same person: the later is invalid (``duplicate_participant``)."""
    org_id, draft = registration.org_id, registration.draft
    if screening is not None and screening.people is not None:
        for item in items:
            item.peer_mentor_id, item.display_name = screening.people.get(item.index, NOBODY)
    if screening is None:
        named_people = [item.peer_mentor_id for item in items if item.peer_mentor_id is not None]
        screening = uow.activities.screen(
            org_id, draft.activity_type, draft.occurred_on, named_people
        )
    errors = {pm: participant_error(user, org_id) for pm, user in screening.ineligible.items()}
    # Only live items name a person first; an item a decision cancelled is assessed all the
    # same, so that it keeps the reason it was cancelled for (``assess``).
    named: set[UUID] = set()
    for item in items:
        pm = item.peer_mentor_id
        if pm is None:
            assess(item, "unknown_participant", None)
        elif pm in named:
            assess(item, "duplicate_participant", None)
        else:
            if item.decision is not Decision.CANCEL:
                named.add(pm)
            assess(item, errors.get(pm), screening.duplicates.get(pm))
    plan = apply_on_conflict(items, registration)
    if plan.activities:
        uow.activities.add_many(plan.activities)
        bulk_job_id = registration.bulk_job_id
        uow.audit.record(
            [
                AuditEntry(
                    org_id,
                    registration.registered_by,
                    "activity.override",
                    f"activity:{item.activity_id}",
                    {
                        "peer_mentor_id": str(item.peer_mentor_id),
                        "duplicate_of": str(item.conflict_activity_id),
                        "bulk_job_id": str(bulk_job_id) if bulk_job_id else None,
                    },
                )
                for item in items
                if item.outcome is Outcome.OVERRIDDEN
            ]
        )
    return plan
