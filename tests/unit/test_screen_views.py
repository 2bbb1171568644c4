"""The screen's pages read in one unit of work: names instead of ids, open anomalies marked."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from domain.model import Anomaly, AnomalyKind, ParticipantRequest, Role, UserRecord
from domain.rules import Limits
from domain.services import bulk, screen
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
