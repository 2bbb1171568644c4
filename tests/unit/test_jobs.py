"""The job state machine refuses illegal transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.errors import InvalidState
from domain.jobs import TRANSITIONS, BulkJob
from domain.model import ActivityDraft, Decision, JobItem, JobStatus, OnConflict, Outcome

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def job(status: JobStatus) -> BulkJob:
    return BulkJob(
        id=uuid4(),
        org_id=uuid4(),
        submitted_by=uuid4(),
        status=status,
        on_conflict=OnConflict.REVIEW,
        activity=ActivityDraft(
            activity_type="x", occurred_on=date(2026, 11, 1), duration_minutes=5
        ),
        total=2,
        created_at=NOW,
        items=[
            JobItem.of_person(0, uuid4(), outcome=Outcome.CONFLICT),
            JobItem.of_person(1, uuid4(), outcome=Outcome.READY),
        ],
    )


@pytest.mark.parametrize("status", list(JobStatus))
def test_cancel_only_from_queued_or_needs_review(status: JobStatus) -> None:
    j = job(status)
    if status in (JobStatus.QUEUED, JobStatus.NEEDS_REVIEW):
        j.cancel(NOW)
        assert j.status is JobStatus.CANCELLED
        assert {i.outcome for i in j.items} == {Outcome.CANCELLED}
    else:
        with pytest.raises(InvalidState):
            j.cancel(NOW)
        assert j.status is status


@pytest.mark.parametrize("status", list(JobStatus))
def test_resolve_only_from_needs_review(status: JobStatus) -> None:
    j = job(status)
    decision = {j.items[0].index: Decision.OVERRIDE}
    if status is JobStatus.NEEDS_REVIEW:
        j.resolve(decision, NOW)
        assert j.status is JobStatus.QUEUED
        assert j.items[0].decision is Decision.OVERRIDE
        assert {i.outcome for i in j.items} == {Outcome.PENDING}
    else:
        with pytest.raises(InvalidState):
            j.resolve(decision, NOW)


def test_terminal_states_have_no_way_out_but_a_succeeded_jobs_undo() -> None:
    for status in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.UNDONE):
        assert TRANSITIONS[status] == frozenset()
    assert TRANSITIONS[JobStatus.SUCCEEDED] == {JobStatus.UNDONE}
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.UNDONE):
        with pytest.raises(InvalidState):
            job(status).finish(JobStatus.SUCCEEDED, NOW)


def test_counts_report_every_outcome_but_pending() -> None:
    counts = job(JobStatus.NEEDS_REVIEW).counts()
    assert "pending" not in counts
    assert counts["total"] == 2 and counts["conflict"] == 1 and counts["ready"] == 1
