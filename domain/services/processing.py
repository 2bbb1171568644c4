"""Processing a bulk job: claim it, then validate, de-duplicate and commit in one transaction.

The claim and the opening of that transaction travel together (``uows.claiming``): the
claim commits on its own, and the transaction acts as the job's submitter, whom the server
finds from the claim and refuses if they may no longer register.

Idempotent by construction: the claim is a single statement that only a queued job (or a
running one whose lease expired) passes, so a redelivered or duplicated message never runs
a job twice (it takes another queued job in its turn, or finds nothing to do); and every row
of the job is written in the transaction that marks it ``succeeded``, so an attempt that
dies writes nothing.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from uuid import UUID

from domain.clock import Clock, utcnow
from domain.errors import JobBusy, LeaseLost, TransientError
from domain.jobs import BulkJob
from domain.model import WRITTEN, JobStatus, Registration, Source, time_ordered_id
from domain.ports.activities import Screening
from domain.ports.units import UnitOfWork, UnitsOfWork
from domain.registration import register_items

log = logging.getLogger(__name__)
TURN_SECONDS = 5.0  # how soon a job waiting for its organization's turn asks again
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
    about: Callable[[UUID], AbstractContextManager[object]] = nullcontext,
) -> JobStatus | None:
    """Run attempts until the named job is taken. Returns the status the last attempt ended
    in, or None when there was nothing to do (terminal or unknown). Raises ``JobBusy`` while
    another worker's lease is live.

    ``job_id`` is the message's job. For a small job it is a hint: each claim takes the
    fairest queued small job (organizations take turns, see ``persistence.lifecycle.CLAIM``),
    which is the named one unless another organization's turn has come. While the named job
    still waits, the message claims again: its own organization's turn comes within as many
    claims as there are organizations waiting, so every message gets its job taken.

    ``about(job)`` is entered while the attempt is at another job than the named one (the
    worker names that job on each line it logs meanwhile)."""
    status: JobStatus | None = None
    for turn in itertools.count():
        try:
            status, named_waiting = _process_one(
                uows,
                job_id,
                lease_seconds=lease_seconds,
                max_attempts=max_attempts,
                clock=clock,
                new_id=new_id,
                observe=observe,
                about=about,
            )
        except JobBusy:
            if turn == 0:
                raise
            return status  # another worker took the named job meanwhile: it is in hand
        if not named_waiting:
            return status
    raise AssertionError("unreachable")


def _process_one(
    uows: UnitsOfWork,
    named: UUID,
    *,
    lease_seconds: float,
    max_attempts: int,
    clock: Clock,
    new_id: Callable[[], UUID],
    observe: Callable[[JobStatus, int], None] | None,
    about: Callable[[UUID], AbstractContextManager[object]],
) -> tuple[JobStatus | None, bool]:
    """One claim and its attempt: the status it ended in, and whether the named job still
    waits (the claim took another)."""
    token = new_id()
    job_id = named
    context = ExitStack()  # ``about`` the job taken, while it is not the named one
    try:
        with uows.claiming(named, token, lease_seconds) as uow:
            try:
                claimed = uow.claimed()
            finally:
                job_id = uow.job_id  # the claimed job, even if it could not be read
            if job_id != named:
                log.info("claim: took job %s in its turn", job_id)
                context.enter_context(about(job_id))
            else:
                log.info("claim: %s", "taken" if claimed.claim else "nothing to take")
            if claimed.claim and claimed.claim.attempts <= max_attempts and claimed.job:
                status, written = _attempt(uow, claimed.job, claimed.screening, clock, new_id)
                if observe is not None:
                    observe(status, written)
                return status, claimed.claim.named_waiting
    except TransientError:
        _release(uows, job_id, token)  # changes nothing unless the claim was made
        raise
    except LeaseLost:
        raise
    except Exception as error:
        # Not worth retrying (a rule the data breaks, a stored job that cannot be read, a
        # bug): end the job honestly. The transaction rolled back, so nothing of it was
        # written.
        _fail(uows, job_id, token, "processing_error", f"{type(error).__name__}: {error}"[:1000])
        if job_id == named:
            raise
        # Another organization's job, taken in its turn: the named job still waits.
        log.exception("job %s failed; claiming again for job %s", job_id, named)
        return JobStatus.FAILED, True
    finally:
        context.close()
    # Nothing was processed (the transaction rolled back); the claim, if made, stands.
    claim = claimed.claim
    if claim is None:
        with uows.maintenance() as maintenance:
            busy_for = maintenance.jobs.lease_remaining(job_id)
            waiting = busy_for is None and maintenance.jobs.is_queued(job_id)
        if busy_for is not None:
            raise JobBusy(busy_for)
        if waiting:
            # Queued, yet not ours to take: its organization's large-job slots are all
            # running (or another worker is claiming it this instant). Not an attempt.
            raise JobBusy(TURN_SECONDS)
        return None, False
    if claim.attempts > max_attempts:
        reason = ("max_attempts_exceeded", f"gave up after {max_attempts} attempts")
    else:
        # The server refused to act as the submitter: deactivated, or no longer staff.
        reason = NOT_AUTHORIZED
    with uows.maintenance() as maintenance:
        maintenance.jobs.fail(job_id, *reason, token)
        maintenance.commit()
    return JobStatus.FAILED, claim.named_waiting


def _attempt(
    uow: UnitOfWork,
    job: BulkJob,
    screening: Screening | None,
    clock: Clock,
    new_id: Callable[[], UUID],
) -> tuple[JobStatus, int]:
    """Validate, de-duplicate and commit, in the claiming unit of work's transaction (under
    the submitter's identity); returns the status it committed and how many activities it
    wrote."""
    registration = Registration(
        draft=job.activity,
        org_id=job.org_id,
        registered_by=job.submitted_by,
        on_conflict=job.on_conflict,
        source=Source.BULK,
        bulk_job_id=job.id,
        new_id=new_id,
    )
    plan = register_items(uow, job.items, registration, screening=screening)
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
