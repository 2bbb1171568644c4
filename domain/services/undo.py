"""Mistakes taken back (docs/api.md, "Undo and repeat"): a whole job undone, one record
deleted, and the people of a job to register again.

Nothing is erased: a deleted activity stays, marked with who deleted it, when and why, and
every deletion is in the audit log."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.clock import Clock, utcnow
from domain.errors import Forbidden, InvalidState, NotFound
from domain.jobs import BulkJob
from domain.model import WRITTEN, Given, JobItem, JobStatus, Principal
from domain.policy import require_staff
from domain.ports.audit import AuditEntry
from domain.ports.units import UnitsOfWork

MAX_REASON = 500
# A job's written people are the ones to register again once it went through (and when it
# was undone: it had gone through); of a job that did not, every participant.
WENT_THROUGH = frozenset({JobStatus.SUCCEEDED, JobStatus.UNDONE})


def undo(
    uows: UnitsOfWork,
    principal: Principal,
    job_id: UUID,
    *,
    reason: str,
    window: timedelta,
    clock: Clock = utcnow,
) -> BulkJob:
    """In one transaction: every live activity of the job deleted, the job ``undone``, the
    audit entry and (by trigger) the event ``bulk_registration.undone`` — or none of it.
    Activities of the job deleted before stay as they were."""
    require_staff(principal, "undo bulk registrations")
    with uows(principal) as uow:
        job = uow.jobs.lock(job_id)
        if job is None:
            raise NotFound("no such bulk registration")
        job.undo(principal.user_id, reason, clock(), window)
        deleted = uow.activities.soft_delete_of_job(job.id, principal.user_id, reason)
        uow.jobs.save(job, items=False)
        uow.audit.record(
            [
                AuditEntry(
                    job.org_id,
                    principal.user_id,
                    "bulk_job.undo",
                    f"bulk_job:{job.id}",
                    {"reason": reason, "deleted": deleted},
                )
            ]
        )
        uow.commit()
    return job


def delete_activity(
    uows: UnitsOfWork, principal: Principal, activity_id: UUID, *, reason: str
) -> None:
    """Staff delete their organization's records; a peer mentor only a record they
    registered themselves (and can see: one they take part in)."""
    with uows(principal) as uow:
        found = uow.activities.by_ids([activity_id])
        if not found:
            raise NotFound("no such activity")
        (activity,) = found
        if not principal.is_staff and activity.registered_by != principal.user_id:
            raise Forbidden("a peer mentor may delete only the records they registered")
        # Deleted meanwhile (the update waits for the other transaction, then finds none).
        if (
            activity.deleted_at is not None
            or uow.activities.soft_delete([activity_id], principal.user_id, reason) == 0
        ):
            raise InvalidState("this activity is already deleted")
        uow.audit.record(
            [
                AuditEntry(
                    activity.org_id,
                    principal.user_id,
                    "activity.delete",
                    f"activity:{activity_id}",
                    {
                        "reason": reason,
                        "peer_mentor_id": str(activity.peer_mentor_id),
                        "bulk_job_id": str(activity.bulk_job_id) if activity.bulk_job_id else None,
                    },
                )
            ]
        )
        uow.commit()


def items_to_register_again(job: BulkJob) -> list[JobItem]:
    """The items of a job whose people are to be registered again: those registered or
    overridden by a job that went through; every participant of one that did not, less an
    item that named someone another item already names."""
    if job.status in WENT_THROUGH:
        return [item for item in job.items if item.outcome in WRITTEN]
    return [item for item in job.items if item.error_code != "duplicate_participant"]


def to_register_again(job: BulkJob) -> list[Given]:
    """The people of a job to register again (``items_to_register_again``), by the keys
    they were given."""
    return [item.given for item in items_to_register_again(job)]


def participants(uows: UnitsOfWork, principal: Principal, job_id: UUID) -> list[Given]:
    require_staff(principal, "read bulk registrations")
    with uows(principal) as uow:
        job = uow.jobs.get(job_id)
    if job is None:
        raise NotFound("no such bulk registration")
    return to_register_again(job)
