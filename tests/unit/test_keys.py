"""Participants named by the keys people have: resolved when the job is processed, two
keys for one person caught, and a review that can leave out a key that names nobody."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import ValidationFailed
from domain.model import (
    Decision,
    JobStatus,
    Outcome,
    ParticipantRequest,
    Role,
    UserRecord,
)
from domain.rules import Limits
from domain.services import bulk, processing
from tests.support.fakes import FakeUnitsOfWork
from tests.support.staffed import COORD, ORG, submission


def person(uows: FakeUnitsOfWork, email: str, member: str, active: bool = True) -> UserRecord:
    user = UserRecord(uuid4(), ORG, Role.PEER_MENTOR, email.split("@")[0], active, email, member)
    uows.store.users[user.id] = user
    return user


def test_keys_resolve_to_people_and_two_keys_for_one_person_are_caught(
    uows: FakeUnitsOfWork,
) -> None:
    kari = person(uows, "kari@example.org", "A-1")
    ola = person(uows, "ola@example.org", "A-2")
    gone = person(uows, "gone@example.org", "A-3", active=False)
    stranger = UserRecord(uuid4(), uuid4(), Role.PEER_MENTOR, "x", True, "x@example.org", "A-9")
    uows.store.users[stranger.id] = stranger
    job, _ = bulk.submit(
        uows,
        COORD,
        submission(
            [
                ParticipantRequest(email="KARI@example.org"),
                ParticipantRequest(member_number="A-2"),
                ParticipantRequest(peer_mentor_id=kari.id),  # Kari again, by another key
                ParticipantRequest(email="nobody@example.org"),
                ParticipantRequest(member_number="A-3"),
                ParticipantRequest(email="x@example.org"),  # another organization's
            ]
        ),
        limits=Limits(),
    )
    status = processing.process(uows, job.id, lease_seconds=30, max_attempts=3)
    assert status is JobStatus.NEEDS_REVIEW
    items = bulk.get(uows, COORD, job.id).items
    assert [(i.peer_mentor_id, i.outcome, i.error_code) for i in items] == [
        (kari.id, Outcome.READY, None),
        (ola.id, Outcome.READY, None),
        (kari.id, Outcome.INVALID, "duplicate_participant"),
        (None, Outcome.INVALID, "unknown_participant"),
        (gone.id, Outcome.INVALID, "inactive_participant"),
        (None, Outcome.INVALID, "unknown_participant"),
    ]

    # A decision for Kari is not one for her repeat, and a key that names nobody cannot be
    # decided on by person: only a default of cancel covers them.
    with pytest.raises(ValidationFailed) as refused:
        bulk.resolve(uows, COORD, job.id, decisions=[(gone.id, Decision.CANCEL)], default=None)
    assert "only a default of cancel covers it" in refused.value.detail
    resolved = bulk.resolve(
        uows, COORD, job.id, decisions=[(kari.id, Decision.CANCEL)], default=Decision.CANCEL
    )
    assert [i.decision for i in resolved.items] == [Decision.CANCEL, None] + [Decision.CANCEL] * 4
    assert all(i.peer_mentor_id is None for i in resolved.items)  # resolved afresh
    assert processing.process(uows, job.id, lease_seconds=30, max_attempts=3) is (
        JobStatus.SUCCEEDED
    )
    done = bulk.get(uows, COORD, job.id).items
    assert [i.outcome for i in done] == [Outcome.CANCELLED, Outcome.REGISTERED] + [
        Outcome.CANCELLED
    ] * 4
