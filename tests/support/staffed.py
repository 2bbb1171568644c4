"""An organization of in-memory fakes: one coordinator and one active activity type, for the
use cases' unit tests."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from domain.model import (
    ActivityDraft,
    BulkSubmission,
    ParticipantRequest,
    Principal,
    Role,
    UserRecord,
)
from tests.support.fakes import FakeUnitsOfWork

ORG = uuid4()
COORD = Principal(uuid4(), ORG, Role.COORDINATOR)
DAY = date.today() - timedelta(days=1)


def staffed() -> FakeUnitsOfWork:
    fake = FakeUnitsOfWork()
    fake.store.users[COORD.user_id] = UserRecord(COORD.user_id, ORG, Role.COORDINATOR, "c", True)
    fake.store.types[(ORG, "home_visit")] = True
    return fake


def submission(participants: list[ParticipantRequest]) -> BulkSubmission:
    return BulkSubmission(
        activity=ActivityDraft(activity_type="home_visit", occurred_on=DAY, duration_minutes=5),
        participants=participants,
    )
