"""Registering activities: one implementation for bulk jobs and proxy registrations.

Validation of participants, the duplicate check (one query for the whole batch) and the
insert all happen here, inside the caller's unit of work, so they commit or roll back with
it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.model import (
    ActivityDraft,
    Decision,
    JobItem,
    OnConflict,
    Outcome,
    Source,
    time_ordered_id,
)
from domain.ports import AuditEntry, Screening, UnitOfWork
from domain.rules import BatchOutcome, apply_on_conflict, assess, participant_error

NOBODY: tuple[None, None] = (None, None)


def today_in(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def register_items(
    uow: UnitOfWork,
    items: Sequence[JobItem],
    *,
    draft: ActivityDraft,
    org_id: UUID,
    registered_by: UUID,
    on_conflict: OnConflict,
    source: Source,
    bulk_job_id: UUID | None,
    new_id: Callable[[], UUID] = time_ordered_id,
    screening: Screening | None = None,
) -> BatchOutcome:
    """Resolve, screen and assess the items, then write what ``on_conflict`` lets through.

    Items name their person already (``peer_mentor_id``), or ``screening`` says whom each
    names (``Screening.people``, by index: the worker resolves a job's keys in the statement
    that screens it). ``screening``, when the caller already has it, may cover cancelled
    items too: only the live ones are assessed against it. Two items that name the same
    person: the later is invalid (``duplicate_participant``)."""
    if screening is not None and screening.people is not None:
        for item in items:
            item.peer_mentor_id, item.display_name = screening.people.get(item.index, NOBODY)
    if screening is None:
        live = [
            item.peer_mentor_id
            for item in items
            if item.decision is not Decision.CANCEL and item.peer_mentor_id is not None
        ]
        screening = uow.activities.screen(org_id, draft.activity_type, draft.occurred_on, live)
    errors = {pm: participant_error(user, org_id) for pm, user in screening.ineligible.items()}
    named: set[UUID] = set()
    for item in items:
        pm = item.peer_mentor_id
        if item.decision is Decision.CANCEL:
            assess(item, None, None)
        elif pm is None:
            assess(item, "unknown_participant", None)
        elif pm in named:
            assess(item, "duplicate_participant", None)
        else:
            named.add(pm)
            assess(item, errors.get(pm), screening.duplicates.get(pm))
    plan = apply_on_conflict(
        items,
        draft=draft,
        org_id=org_id,
        registered_by=registered_by,
        on_conflict=on_conflict,
        source=source,
        bulk_job_id=bulk_job_id,
        new_id=new_id,
    )
    if plan.activities:
        uow.activities.add_many(plan.activities)
        uow.audit.record(
            [
                AuditEntry(
                    org_id,
                    registered_by,
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
