"""Processing a bulk job: claim it, then validate, de-duplicate and commit in one transaction.

Idempotent by construction: the claim is a single statement that only a queued job (or a
running one whose lease expired) passes, so a redelivered or duplicated message finds
nothing to do; and every row of the job is written in the transaction that marks it
``succeeded``, so an attempt that dies writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from domain.errors import JobBusy, LeaseLost, TransientError, Unauthenticated
from domain.model import STAFF_ROLES, WRITTEN, JobStatus, Principal, Source, time_ordered_id
from domain.ports import UnitsOfWork
from domain.services.bulk import Clock, utcnow
from domain.services.registration import register_items

log = logging.getLogger(__name__)
NOT_AUTHORIZED = ("submitter_not_authorized", "the submitting coordinator may no longer register")


def process(
    uows: UnitsOfWork,
    job_id: UUID,
    *,
    lease_seconds: float,
    max_attempts: int,
    clock: Clock = utcnow,
    new_id: Callable[[], UUID] = time_ordered_id,
    observe: Callable[[JobStatus, int], None] | None = None,
) -> JobStatus | None:
    """Run one attempt. Returns the status it ended in, or None when there was nothing to
    do (terminal or unknown). Raises ``JobBusy`` while another worker's lease is live."""
    token = new_id()
    with uows.maintenance() as maintenance:
        claim = maintenance.jobs.claim(job_id, token, lease_seconds)
        log.info("claim: %s", "taken" if claim else "nothing to take")
        if claim is None:
            busy_for = maintenance.jobs.lease_remaining(job_id)
            if busy_for is not None:
                raise JobBusy(busy_for)
            return None
        if claim.attempts > max_attempts:
            maintenance.jobs.fail(
                job_id, "max_attempts_exceeded", f"gave up after {max_attempts} attempts", token
            )
            maintenance.commit()
            return JobStatus.FAILED
        if not claim.submitter_active or claim.submitter_role not in STAFF_ROLES:
            maintenance.jobs.fail(job_id, *NOT_AUTHORIZED, token)
            maintenance.commit()
            return JobStatus.FAILED
        maintenance.commit()

    principal = Principal(claim.submitted_by, claim.org_id, claim.submitter_role)
    try:
        status, written = _attempt(uows, principal, job_id, token, clock, new_id)
        if observe is not None:
            observe(status, written)
        return status
    except Unauthenticated:
        # The submitter was deactivated, or lost the role, since the claim: the unit of
        # work refused to act as them, so nothing was written.
        _fail(uows, job_id, token, *NOT_AUTHORIZED)
        return JobStatus.FAILED
    except TransientError:
        _release(uows, job_id, token)
        raise
    except LeaseLost:
        raise
    except Exception as error:
        # Not worth retrying (a rule the data breaks, a bug): end the job honestly. The
        # transaction rolled back, so nothing of it was written.
        _fail(uows, job_id, token, "processing_error", f"{type(error).__name__}: {error}"[:1000])
        raise


def _attempt(
    uows: UnitsOfWork,
    principal: Principal,
    job_id: UUID,
    token: UUID,
    clock: Clock,
    new_id: Callable[[], UUID],
) -> tuple[JobStatus, int]:
    """One transaction, under the submitter's identity (checked by the unit of work as it
    opens); returns the status it committed and how many activities it wrote."""
    with uows(principal) as uow:
        found = uow.jobs.lock_claimed(job_id, token)
        if found is None:
            raise LeaseLost(f"job {job_id} was taken over by another worker")
        job, screening = found
        plan = register_items(
            uow,
            job.items,
            draft=job.activity,
            org_id=job.org_id,
            registered_by=job.submitted_by,
            on_conflict=job.on_conflict,
            source=Source.BULK,
            bulk_job_id=job.id,
            new_id=new_id,
            screening=screening,
        )
        job.finish(plan.status, clock(), plan.error)
        uow.jobs.save(job, items=True)
        uow.commit()
    written = sum(1 for item in job.items if item.outcome in WRITTEN)
    log.info("committed: %s, %d activities written", job.status, written)
    return job.status, written


def _release(uows: UnitsOfWork, job_id: UUID, token: UUID) -> None:
    """After a transient failure: put the job back to ``queued`` so the retry can claim it
    at once. If even that fails (the database is gone), the lease runs out and the sweeper
    re-queues the job: nothing is lost either way."""
    try:
        with uows.maintenance() as maintenance:
            maintenance.jobs.release(job_id, token)
            maintenance.commit()
    except TransientError:
        pass


def _fail(uows: UnitsOfWork, job_id: UUID, token: UUID, code: str, message: str) -> None:
    try:
        with uows.maintenance() as maintenance:
            maintenance.jobs.fail(job_id, code, message, token)
            maintenance.commit()
    except TransientError:
        pass  # the lease runs out and a later attempt decides
