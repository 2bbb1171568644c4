"""Undo and repeat without IO: the model's undo, the use cases with fakes (each refusing on
its own), the people of a job to register again, and their file read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from api.participants import participants_csv
from domain.csvfiles import participants_from_csv
from domain.errors import Forbidden, InvalidState, NotFound
from domain.jobs import TRANSITIONS, BulkJob
from domain.model import (
    Activity,
    ActivityDraft,
    Given,
    JobItem,
    JobStatus,
    KeyKind,
    OnConflict,
    Outcome,
    ParticipantRequest,
    Principal,
    Role,
    Source,
    UserRecord,
)
from domain.rules import Limits
from domain.services import bulk, processing, undo
from domain.webhooks import EVENT_TYPES
from tests.support.fakes import FakeUnitsOfWork
from tests.support.staffed import COORD, ORG, submission

FINISHED = datetime(2026, 11, 20, 12, tzinfo=UTC)
WINDOW = timedelta(days=30)


def job(status: JobStatus, items: list[JobItem] | None = None) -> BulkJob:
    return BulkJob(
        id=uuid4(),
        org_id=ORG,
        submitted_by=COORD.user_id,
        status=status,
        on_conflict=OnConflict.SKIP,
        activity=ActivityDraft(
            activity_type="x", occurred_on=date(2026, 11, 1), duration_minutes=5
        ),
        total=len(items or []),
        created_at=FINISHED,
        finished_at=FINISHED,
        items=items or [],
    )


@pytest.mark.parametrize("status", list(JobStatus))
def test_only_a_succeeded_job_is_undone_and_undone_is_terminal(status: JobStatus) -> None:
    j = job(status)
    by = uuid4()
    if status is not JobStatus.SUCCEEDED:
        with pytest.raises(InvalidState):
            j.undo(by, "wrong date", FINISHED + timedelta(hours=1), WINDOW)
        assert j.status is status and j.undone_at is None
        return
    j.undo(by, "wrong date", FINISHED + timedelta(hours=1), WINDOW)
    assert (j.status, j.undone_by, j.undo_reason) == (JobStatus.UNDONE, by, "wrong date")
    assert (j.undone_at, j.finished_at) == (FINISHED + timedelta(hours=1), FINISHED)
    assert TRANSITIONS[JobStatus.UNDONE] == frozenset()
    assert "bulk_registration.undone" in EVENT_TYPES


def test_a_job_is_undone_only_within_the_window_of_its_finishing() -> None:
    j = job(JobStatus.SUCCEEDED)
    j.undo(uuid4(), "r", FINISHED + WINDOW, WINDOW)  # the last moment still counts
    late = job(JobStatus.SUCCEEDED)
    with pytest.raises(InvalidState, match="within 30 days"):
        late.undo(uuid4(), "r", FINISHED + WINDOW + timedelta(seconds=1), WINDOW)
    assert late.status is JobStatus.SUCCEEDED


def succeeded(uows: FakeUnitsOfWork, n: int) -> BulkJob:
    people = []
    for index in range(n):
        pm = uuid4()
        uows.store.users[pm] = UserRecord(pm, ORG, Role.PEER_MENTOR, f"m{index}", True)
        people.append(ParticipantRequest(peer_mentor_id=pm))
    submitted, _ = bulk.submit(uows, COORD, submission(people), limits=Limits())
    assert processing.process(uows, submitted.id, lease_seconds=30, max_attempts=3) is (
        JobStatus.SUCCEEDED
    )
    return uows.store.jobs[submitted.id]


def test_undo_deletes_every_activity_moves_the_job_and_audits(uows: FakeUnitsOfWork) -> None:
    done = succeeded(uows, 3)
    now = (done.finished_at or FINISHED) + timedelta(days=1)
    undone = undo.undo(uows, COORD, done.id, reason="wrong date", window=WINDOW, clock=lambda: now)
    assert undone.status is JobStatus.UNDONE and uows.store.activities == {}
    assert {by for _, by, _ in uows.store.deleted.values()} == {COORD.user_id}
    assert len(uows.store.deleted) == 3
    stored = uows.store.jobs[done.id]
    assert (stored.status, stored.undone_by, stored.undo_reason) == (
        JobStatus.UNDONE,
        COORD.user_id,
        "wrong date",
    )
    (entry,) = [e for e in uows.store.audit if e.action == "bulk_job.undo"]
    assert entry.details == {"reason": "wrong date", "deleted": 3}
    with pytest.raises(InvalidState):  # undone is terminal: a second undo is refused
        undo.undo(uows, COORD, done.id, reason="again", window=WINDOW, clock=lambda: now)


def test_undo_is_refused_by_the_service_to_a_peer_mentor_and_after_the_window(
    uows: FakeUnitsOfWork,
) -> None:
    done = succeeded(uows, 2)
    mentor = Principal(uuid4(), ORG, Role.PEER_MENTOR)
    with pytest.raises(Forbidden):
        undo.undo(uows, mentor, done.id, reason="r", window=WINDOW)
    late = (done.finished_at or FINISHED) + WINDOW + timedelta(minutes=1)
    with pytest.raises(InvalidState):
        undo.undo(uows, COORD, done.id, reason="r", window=WINDOW, clock=lambda: late)
    with pytest.raises(NotFound):
        undo.undo(uows, COORD, uuid4(), reason="r", window=WINDOW)
    assert uows.store.jobs[done.id].status is JobStatus.SUCCEEDED
    assert len(uows.store.activities) == 2 and uows.store.deleted == {}


def registered_by(uows: FakeUnitsOfWork, registrar: UUID, participant: UUID) -> UUID:
    activity_id = uuid4()
    uows.store.activities[activity_id] = Activity(
        activity_id, ORG, participant, "home_visit", date(2026, 11, 1), 5, None, registrar,
        Source.SELF, None, None, FINISHED,
    )  # fmt: skip
    return activity_id


def test_deleting_one_record(uows: FakeUnitsOfWork) -> None:
    mentor = Principal(uuid4(), ORG, Role.PEER_MENTOR)
    own = registered_by(uows, mentor.user_id, mentor.user_id)
    theirs = registered_by(uows, COORD.user_id, mentor.user_id)
    with pytest.raises(Forbidden):  # a peer mentor: only what they registered themselves
        undo.delete_activity(uows, mentor, theirs, reason="not mine")
    undo.delete_activity(uows, mentor, own, reason="typed twice")
    undo.delete_activity(uows, COORD, theirs, reason="wrong person")
    assert uows.store.deleted[own][1:] == (mentor.user_id, "typed twice")
    assert uows.store.deleted[theirs][1:] == (COORD.user_id, "wrong person")
    with pytest.raises(InvalidState):
        undo.delete_activity(uows, COORD, theirs, reason="again")
    with pytest.raises(NotFound):
        undo.delete_activity(uows, COORD, uuid4(), reason="nothing")
    assert [(e.actor_id, e.target) for e in uows.store.audit] == [
        (mentor.user_id, f"activity:{own}"),
        (COORD.user_id, f"activity:{theirs}"),
    ]


def item(
    index: int, kind: KeyKind, value: str, outcome: Outcome, code: str | None = None
) -> JobItem:
    return JobItem(index, Given(kind, value), uuid4(), outcome=outcome, error_code=code)


MIXED = [
    item(0, KeyKind.EMAIL, "kari@example.org", Outcome.REGISTERED),
    item(1, KeyKind.MEMBER_NUMBER, "-42", Outcome.OVERRIDDEN),
    item(2, KeyKind.PEER_MENTOR_ID, str(uuid4()), Outcome.SKIPPED),
    item(3, KeyKind.EMAIL, "ola@example.org", Outcome.CONFLICT),
    item(4, KeyKind.MEMBER_NUMBER, "A-1", Outcome.INVALID, "duplicate_participant"),
]


@pytest.mark.parametrize(
    ("status", "indexes"),
    [
        (JobStatus.SUCCEEDED, [0, 1]),
        (JobStatus.UNDONE, [0, 1]),
        (JobStatus.NEEDS_REVIEW, [0, 1, 2, 3]),
        (JobStatus.FAILED, [0, 1, 2, 3]),
    ],
)
def test_the_people_to_register_again(status: JobStatus, indexes: list[int]) -> None:
    again = undo.to_register_again(job(status, MIXED))
    assert again == [MIXED[i].given for i in indexes]


def test_the_participant_file_reads_back_as_the_same_keys() -> None:
    people = undo.to_register_again(job(JobStatus.FAILED, MIXED))
    text = participants_csv(people)
    assert text.splitlines()[0] == "peer_mentor_id,email,member_number"
    assert ",,'-42" in text  # a spreadsheet would run -42 as a formula
    assert [p.given for p in participants_from_csv(text)] == people
    only = [Given(KeyKind.PEER_MENTOR_ID, str(uuid4()))]
    assert participants_csv(only).splitlines() == ["peer_mentor_id", only[0].value]
