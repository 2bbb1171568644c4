"""Use cases against in-memory fakes: authorization inside the service, idempotency,
processing, and the outbox that only fills on commit."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import Forbidden, IdempotencyKeyReused, InvalidState, ValidationFailed
from domain.model import (
    ActivityDraft,
    BulkSubmission,
    JobStatus,
    Outcome,
    ParticipantRequest,
    Principal,
    Role,
    UserRecord,
)
from domain.rules import Limits
from domain.services import bulk, processing
from tests.support.fakes import FakeUnitsOfWork
from tests.support.staffed import COORD, DAY, ORG, submission


def mentors(uows: FakeUnitsOfWork, n: int) -> list[ParticipantRequest]:
    out = []
    for _ in range(n):
        pm = uuid4()
        uows.store.users[pm] = UserRecord(pm, ORG, Role.PEER_MENTOR, "m", True)
        out.append(ParticipantRequest(peer_mentor_id=pm))
    return out


def test_a_peer_mentor_principal_is_refused_by_the_service_itself(uows: FakeUnitsOfWork) -> None:
    mentor = Principal(uuid4(), ORG, Role.PEER_MENTOR)
    with pytest.raises(Forbidden):
        bulk.submit(uows, mentor, submission(mentors(uows, 1)), limits=Limits())
    assert uows.store.jobs == {}


def test_submit_queues_the_job_and_sends_it_only_after_commit(uows: FakeUnitsOfWork) -> None:
    job, created = bulk.submit(uows, COORD, submission(mentors(uows, 3)), limits=Limits())
    assert created and job.status is JobStatus.QUEUED
    assert uows.store.sent == [job.id]


def test_a_rejected_submission_writes_and_sends_nothing(uows: FakeUnitsOfWork) -> None:
    bad = BulkSubmission(
        activity=ActivityDraft(activity_type="nope", occurred_on=DAY, duration_minutes=5),
        participants=mentors(uows, 1),
    )
    with pytest.raises(ValidationFailed):
        bulk.submit(uows, COORD, bad, limits=Limits())
    assert uows.store.jobs == {} and uows.store.sent == []


def test_idempotent_replay_and_reuse(uows: FakeUnitsOfWork) -> None:
    sub = submission(mentors(uows, 2))
    first, _ = bulk.submit(
        uows, COORD, sub, limits=Limits(), idempotency_key="k", request_hash="h1"
    )
    again, created = bulk.submit(
        uows, COORD, sub, limits=Limits(), idempotency_key="k", request_hash="h1"
    )
    assert (again.id, created) == (first.id, False)
    with pytest.raises(IdempotencyKeyReused):
        bulk.submit(uows, COORD, sub, limits=Limits(), idempotency_key="k", request_hash="h2")
    assert len(uows.store.jobs) == 1


def test_processing_writes_everything_then_a_second_delivery_is_a_no_op(
    uows: FakeUnitsOfWork,
) -> None:
    job, _ = bulk.submit(uows, COORD, submission(mentors(uows, 4)), limits=Limits())
    assert processing.process(uows, job.id, lease_seconds=30, max_attempts=3) is JobStatus.SUCCEEDED
    assert len(uows.store.activities) == 4
    assert processing.process(uows, job.id, lease_seconds=30, max_attempts=3) is None
    assert len(uows.store.activities) == 4
    assert {i.outcome for i in uows.store.jobs[job.id].items} == {Outcome.REGISTERED}


def test_out_of_attempts_fails_the_job(uows: FakeUnitsOfWork) -> None:
    job, _ = bulk.submit(uows, COORD, submission(mentors(uows, 1)), limits=Limits())
    uows.store.jobs[job.id].attempts = 3
    assert processing.process(uows, job.id, lease_seconds=30, max_attempts=3) is JobStatus.FAILED
    assert uows.store.jobs[job.id].error_code == "max_attempts_exceeded"
    assert uows.store.activities == {}


def test_a_submitter_who_may_no_longer_register_fails_the_job_and_the_claim_counts(
    uows: FakeUnitsOfWork,
) -> None:
    job, _ = bulk.submit(uows, COORD, submission(mentors(uows, 2)), limits=Limits())
    uows.store.users[COORD.user_id] = UserRecord(COORD.user_id, ORG, Role.PEER_MENTOR, "c", True)
    assert processing.process(uows, job.id, lease_seconds=30, max_attempts=3) is JobStatus.FAILED
    stored = uows.store.jobs[job.id]
    assert (stored.error_code, stored.attempts) == ("submitter_not_authorized", 1)
    assert uows.store.activities == {}


def test_cancel_after_success_is_invalid_state(uows: FakeUnitsOfWork) -> None:
    job, _ = bulk.submit(uows, COORD, submission(mentors(uows, 1)), limits=Limits())
    processing.process(uows, job.id, lease_seconds=30, max_attempts=3)
    with pytest.raises(InvalidState):
        bulk.cancel(uows, COORD, job.id)


def test_every_staff_use_case_refuses_a_peer_mentor(uows: FakeUnitsOfWork) -> None:
    job, _ = bulk.submit(uows, COORD, submission(mentors(uows, 1)), limits=Limits())
    mentor = Principal(uuid4(), ORG, Role.PEER_MENTOR)
    calls = [
        lambda: bulk.get(uows, mentor, job.id),
        lambda: bulk.version(uows, mentor, job.id),
        lambda: bulk.list_jobs(uows, mentor, status=None, cursor=None, limit=10),
        lambda: bulk.cancel(uows, mentor, job.id),
        lambda: bulk.resolve(uows, mentor, job.id, decisions=[], default=None),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert uows.store.jobs[job.id].status is JobStatus.QUEUED
