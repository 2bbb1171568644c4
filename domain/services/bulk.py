"""Bulk registration use cases: submit, read, list, cancel, resolve."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.clock import Clock, today_in, utcnow
from domain.errors import (
    FieldError,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    NotFound,
    ValidationFailed,
)
from domain.jobs import BulkJob
from domain.model import (
    BulkSubmission,
    Decision,
    JobItem,
    JobStatus,
    Outcome,
    Principal,
    UserRecord,
)
from domain.policy import require_staff
from domain.ports.audit import AuditEntry
from domain.ports.common import Page
from domain.ports.jobs import Sendable
from domain.ports.units import UnitOfWork, UnitsOfWork
from domain.rules import Limits, check_activity, check_participants


def submit(
    uows: UnitsOfWork,
    principal: Principal,
    submission: BulkSubmission,
    *,
    limits: Limits,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    clock: Clock = utcnow,
) -> tuple[BulkJob, bool]:
    """Queue a bulk registration. Returns the job and whether it was created now (False on
    an idempotent replay)."""
    require_staff(principal, "submit bulk registrations")
    errors = check_participants(submission.participants, limits)
    with uows(principal) as uow:
        if idempotency_key is not None:
            taken, found = uow.jobs.reserve_idempotency_key(principal.user_id, idempotency_key)
            if not taken:
                raise IdempotencyInFlight("a request with this Idempotency-Key is in progress")
            if found is not None:
                job, stored_hash = found
                if stored_hash != request_hash:
                    raise IdempotencyKeyReused(
                        "this Idempotency-Key was used with a different request body"
                    )
                return job, False
        now = clock()
        draft = submission.activity
        facts = uow.directory.draft_facts(principal.org_id, draft.activity_type)
        errors += check_activity(
            draft,
            today=today_in(facts.timezone, now),
            limits=limits,
            type_is_active=facts.type_is_active,
        )
        if errors:
            raise ValidationFailed(errors)
        job = BulkJob(
            id=uuid4(),
            org_id=principal.org_id,
            submitted_by=principal.user_id,
            status=JobStatus.QUEUED,
            on_conflict=submission.on_conflict,
            activity=draft,
            total=len(submission.participants),
            created_at=now,
            items=[
                JobItem(index, p.given, override_duplicate=p.override_duplicate)
                for index, p in enumerate(submission.participants)
            ],
        )
        uow.jobs.add(job, idempotency_key, request_hash)
        uow.audit.record(
            [
                AuditEntry(
                    job.org_id,
                    principal.user_id,
                    "bulk_job.submit",
                    f"bulk_job:{job.id}",
                    {"participants": job.total, "on_conflict": job.on_conflict.value},
                )
            ]
        )
        uow.enqueue_after_commit(Sendable(job.id, job.total))
        uow.commit()
    return job, True


def get(uows: UnitsOfWork, principal: Principal, job_id: UUID) -> BulkJob:
    require_staff(principal, "read bulk registrations")
    with uows(principal) as uow:
        anomalies = uow.anomalies.for_job_ahead(job_id)  # travels with the job: one round trip
        job = uow.jobs.get(job_id)
        if job is None:
            raise NotFound("no such bulk registration")
        job.anomalies = anomalies()
        return job


def results(
    uows: UnitsOfWork, principal: Principal, job_id: UUID
) -> tuple[BulkJob, dict[UUID, UserRecord]]:
    """The job with its items and the people they name, for the results file: its
    participants and whoever registered the records its conflicts would duplicate."""
    require_staff(principal, "read bulk registrations")
    with uows(principal) as uow:
        job = uow.jobs.get(job_id)
        if job is None:
            raise NotFound("no such bulk registration")
        named = {i.peer_mentor_id for i in job.items if i.peer_mentor_id is not None}
        named |= {i.conflict.registered_by for i in job.items if i.conflict is not None}
        return job, uow.directory.users(list(named))


def version(uows: UnitsOfWork, principal: Principal, job_id: UUID) -> tuple[int, JobStatus]:
    """The job's version, for a conditional GET that does not load the items."""
    require_staff(principal, "read bulk registrations")
    with uows(principal) as uow:
        found = uow.jobs.version(job_id)
        if found is None:
            raise NotFound("no such bulk registration")
        return found


def list_jobs(
    uows: UnitsOfWork,
    principal: Principal,
    *,
    status: JobStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[BulkJob]:
    require_staff(principal, "list bulk registrations")
    with uows(principal) as uow:
        return uow.jobs.page(principal.org_id, status, cursor, limit)


def cancel(
    uows: UnitsOfWork, principal: Principal, job_id: UUID, *, clock: Clock = utcnow
) -> BulkJob:
    require_staff(principal, "cancel bulk registrations")
    with uows(principal) as uow:
        job = _locked(uow, job_id)
        job.cancel(clock())
        uow.jobs.save(job, items=True)
        uow.audit.record(
            [AuditEntry(job.org_id, principal.user_id, "bulk_job.cancel", f"bulk_job:{job.id}", {})]
        )
        uow.commit()
    return job


def resolve(
    uows: UnitsOfWork,
    principal: Principal,
    job_id: UUID,
    *,
    decisions: list[tuple[UUID, Decision]],
    default: Decision | None,
    clock: Clock = utcnow,
) -> BulkJob:
    """Apply per-participant decisions to a job in review and queue it again; it is
    re-validated and re-checked for duplicates when processed."""
    require_staff(principal, "resolve bulk registrations")
    with uows(principal) as uow:
        job = _locked(uow, job_id)
        if job.status is not JobStatus.NEEDS_REVIEW:
            job.resolve({}, clock())  # raises InvalidState with the job's status
        final = _decide(job, decisions, default)
        audited = [
            AuditEntry(
                job.org_id,
                principal.user_id,
                f"bulk_job.decision.{decision}",
                f"bulk_job:{job.id}",
                {"index": index, "peer_mentor_id": _str(job.items[index].peer_mentor_id)},
            )
            for index, decision in final.items()
        ]
        job.resolve(final, clock())  # the items are resolved afresh when processed
        uow.jobs.save(job, items=True)
        uow.audit.record(audited)
        uow.enqueue_after_commit(Sendable(job.id, job.total))
        uow.commit()
    return job


def _decide(
    job: BulkJob, decisions: list[tuple[UUID, Decision]], default: Decision | None
) -> dict[int, Decision]:
    """Each item's decision, by index. A decision names a person; it covers the items that
    name them, except one that repeats another (``duplicate_participant``), which only
    ``default`` cancels — as it does an item whose key names nobody."""
    named: dict[UUID, list[JobItem]] = {}
    for item in job.items:
        if item.peer_mentor_id is not None and item.error_code != "duplicate_participant":
            named.setdefault(item.peer_mentor_id, []).append(item)
    errors: list[FieldError] = []
    final: dict[int, Decision] = {}
    decided: set[UUID] = set()
    for index, (peer_mentor_id, decision) in enumerate(decisions):
        loc = ("body", "decisions", index, "peer_mentor_id")
        items = named.get(peer_mentor_id)
        if items is None:
            errors.append(FieldError(loc, "is not a participant of this job"))
        elif peer_mentor_id in decided:
            errors.append(FieldError(loc, "has more than one decision", "duplicate"))
        elif decision is not Decision.CANCEL and any(
            item.outcome is Outcome.INVALID for item in items
        ):
            errors.append(
                FieldError(
                    ("body", "decisions", index, "action"),
                    "an invalid participant can only be cancelled",
                )
            )
        else:
            final |= {item.index: decision for item in items}
        decided.add(peer_mentor_id)
    for item in job.items:
        if item.index in final or item.outcome not in (Outcome.CONFLICT, Outcome.INVALID):
            continue
        if default is None:
            errors.append(FieldError(("body", "decisions"), f"{_who(item)} needs a decision"))
        elif item.outcome is Outcome.INVALID and default is not Decision.CANCEL:
            errors.append(
                FieldError(("body", "default"), "invalid participants can only be cancelled")
            )
        else:
            final[item.index] = default
    if errors:
        raise ValidationFailed(errors)
    return final


def _who(item: JobItem) -> str:
    if item.peer_mentor_id is not None and item.error_code != "duplicate_participant":
        return f"participant {item.peer_mentor_id}"
    return (
        f"participant {item.index} ({item.given.kind} {item.given.value}: only a default of "
        "cancel covers it)"
    )


def _str(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _locked(uow: UnitOfWork, job_id: UUID) -> BulkJob:
    job = uow.jobs.lock(job_id)
    if job is None:
        raise NotFound("no such bulk registration")
    return job
