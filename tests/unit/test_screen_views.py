"""The screen's pages read in one unit of work: names instead of ids, open anomalies marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import Forbidden, NotFound
from domain.jobs import BulkJob
from domain.model import (
    Anomaly,
    AnomalyKind,
    Decision,
    JobStatus,
    ParticipantRequest,
    Principal,
    Role,
    UserRecord,
)
from domain.rules import Limits
from domain.services import bulk, processing, screen, undo
from tests.support.fakes import FakeUnitsOfWork
from tests.support.staffed import COORD, ORG, submission

LIMITS = Limits(100, 365)


def test_job_list_names_the_submitter_and_marks_jobs_with_open_anomalies(
    uows: FakeUnitsOfWork,
) -> None:
    pm = uuid4()
    uows.store.users[pm] = UserRecord(pm, ORG, Role.PEER_MENTOR, "Kari Nordmann", True)
    marked, _ = bulk.submit(
        uows, COORD, submission([ParticipantRequest(peer_mentor_id=pm)]), limits=LIMITS
    )
    clean, _ = bulk.submit(
        uows, COORD, submission([ParticipantRequest(peer_mentor_id=pm)]), limits=LIMITS
    )
    now = datetime.now(UTC)
    uows.store.anomalies[uuid4()] = Anomaly(
        uuid4(), ORG, AnomalyKind.ORPHANED_RECORDS, marked.id, [], now
    )
    gone = Anomaly(uuid4(), ORG, AnomalyKind.ORPHANED_RECORDS, clean.id, [], now, resolved_at=now)
    uows.store.anomalies[gone.id] = gone
    found, names = screen.jobs(uows, COORD, status=None, cursor=None, limit=10)
    assert {line.job.id: line.open_anomalies for line in found.items} == {
        marked.id: True,
        clean.id: False,
    }
    assert names.person(COORD.user_id) == "c"
    assert names.person(None) == "an operator (command line)"
    assert names.person(uuid4()) == "someone outside this organization"
    assert names.activity_type("home_visit") == "home_visit"  # the fake store has no names


def _processed(uows: FakeUnitsOfWork, people: list[ParticipantRequest]) -> BulkJob:
    submitted, _ = bulk.submit(uows, COORD, submission(people), limits=LIMITS)
    processing.process(uows, submitted.id, lease_seconds=30, max_attempts=3)
    return uows.store.jobs[submitted.id]


def _mentors(uows: FakeUnitsOfWork, n: int) -> list[UserRecord]:
    found = [
        UserRecord(uuid4(), ORG, Role.PEER_MENTOR, f"m{i}", True, f"m{i}@example.org")
        for i in range(n)
    ]
    uows.store.users |= {user.id: user for user in found}
    return found


def test_the_undo_page_counts_the_live_records_and_the_window_closes(
    uows: FakeUnitsOfWork,
) -> None:
    people = _mentors(uows, 3)
    done = _processed(uows, [ParticipantRequest(peer_mentor_id=p.id) for p in people])
    assert done.status is JobStatus.SUCCEEDED and done.finished_at is not None
    assert screen.undo_view(uows, COORD, done.id).live == 3
    first = done.items[0].activity_id
    assert first is not None
    undo.delete_activity(uows, COORD, first, reason="not there")
    view = screen.undo_view(uows, COORD, done.id)
    assert view.live == 2 and view.names.person(COORD.user_id) == "c"
    window = timedelta(days=30)
    assert view.job.undoable(done.finished_at + window, window)
    assert not view.job.undoable(done.finished_at + window + timedelta(seconds=1), window)
    undo.undo(uows, COORD, done.id, reason="wrong day", window=window)
    again = screen.undo_view(uows, COORD, done.id)
    assert again.live == 0 and not again.job.undoable(datetime.now(UTC), window)
    with pytest.raises(NotFound):
        screen.undo_view(uows, COORD, uuid4())


def test_register_again_picks_the_written_people_of_a_job_that_went_through(
    uows: FakeUnitsOfWork,
) -> None:
    people = _mentors(uows, 3)
    uows.store.users[people[2].id] = UserRecord(people[2].id, ORG, Role.PEER_MENTOR, "x", False)
    done = _processed(
        uows,
        [ParticipantRequest(email=p.email) for p in people[:2]]
        + [ParticipantRequest(peer_mentor_id=people[2].id)],  # inactive: not written
    )
    assert done.status is JobStatus.NEEDS_REVIEW
    assert screen.register_again(uows, COORD, done.id).people == [p.id for p in people]
    bulk.resolve(uows, COORD, done.id, decisions=[], default=Decision.CANCEL)
    processing.process(uows, done.id, lease_seconds=30, max_attempts=3)
    assert uows.store.jobs[done.id].status is JobStatus.SUCCEEDED
    filled = screen.register_again(uows, COORD, done.id)
    assert filled.job.id == done.id
    assert filled.people == [people[0].id, people[1].id] and filled.missing == 0


def test_register_again_takes_every_participant_of_a_job_that_did_not_go_through(
    uows: FakeUnitsOfWork,
) -> None:
    people = _mentors(uows, 2)
    asked = [ParticipantRequest(email=p.email) for p in people]
    queued, _ = bulk.submit(
        uows, COORD, submission([*asked, ParticipantRequest(email="gone@example.org")]),
        limits=LIMITS,
    )  # fmt: skip
    bulk.cancel(uows, COORD, queued.id)  # never processed: its keys are all it has
    filled = screen.register_again(uows, COORD, queued.id)
    assert filled.people == [p.id for p in people] and filled.missing == 1
    mentor = Principal(people[0].id, ORG, Role.PEER_MENTOR)
    with pytest.raises(Forbidden):
        screen.register_again(uows, mentor, queued.id)
