"""Per-participant assessment and the on_conflict policies, with property tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.model import (
    ActivityDraft,
    Decision,
    ExistingActivity,
    JobItem,
    JobStatus,
    OnConflict,
    Outcome,
    ParticipantRequest,
    Registration,
    Role,
    Source,
    UserRecord,
)
from domain.rules import (
    BatchOutcome,
    Limits,
    apply_on_conflict,
    assess,
    check_activity,
    check_participants,
    participant_error,
)

ORG = uuid4()
TODAY = date(2026, 11, 20)
DRAFT = ActivityDraft(activity_type="home_visit", occurred_on=TODAY, duration_minutes=30)


def mentor(active: bool = True, role: Role = Role.PEER_MENTOR, org: UUID = ORG) -> UserRecord:
    return UserRecord(uuid4(), org, role, "someone", active)


def existing(pm: UUID) -> ExistingActivity:
    return ExistingActivity(uuid4(), pm, uuid4(), "home_visit", TODAY, datetime.now(UTC))


def plan(items: list[JobItem], mode: OnConflict) -> BatchOutcome:
    registration = Registration(
        draft=DRAFT,
        org_id=ORG,
        registered_by=uuid4(),
        on_conflict=mode,
        source=Source.BULK,
        bulk_job_id=uuid4(),
        new_id=uuid4,
    )
    return apply_on_conflict(items, registration)


def test_participant_errors_are_reported_and_another_org_looks_unknown() -> None:
    cases = {
        "unknown_participant": None,
        "inactive_participant": mentor(active=False),
        "not_a_peer_mentor": mentor(role=Role.COORDINATOR),
    }
    for code, user in cases.items():
        item = JobItem.of_person(0, user.id if user else uuid4())
        assess(item, participant_error(user, ORG), None)
        assert (item.outcome, item.error_code) == (Outcome.INVALID, code)
    stranger = mentor(org=uuid4())
    item = JobItem.of_person(0, stranger.id)
    assess(item, participant_error(stranger, ORG), None)
    assert item.error_code == "unknown_participant"


def test_override_flag_or_decision_turns_a_conflict_into_an_override() -> None:
    for item in (
        JobItem.of_person(0, uuid4(), override_duplicate=True),
        JobItem.of_person(0, uuid4(), decision=Decision.OVERRIDE),
    ):
        user = mentor()
        assert item.peer_mentor_id is not None
        prior = existing(item.peer_mentor_id)
        assess(item, participant_error(user, ORG), prior)
        assert item.outcome is Outcome.READY
        result = plan([item], OnConflict.REVIEW)
        assert result.status is JobStatus.SUCCEEDED
        assert item.outcome is Outcome.OVERRIDDEN
        assert result.activities[0].duplicate_of == prior.activity_id


def test_an_item_a_decision_cancels_keeps_its_conflict_or_error() -> None:
    conflicting = JobItem.of_person(0, uuid4(), decision=Decision.CANCEL)
    assert conflicting.peer_mentor_id is not None
    prior = existing(conflicting.peer_mentor_id)
    assess(conflicting, None, prior)
    invalid = JobItem.of_person(1, uuid4(), decision=Decision.CANCEL)
    assess(invalid, participant_error(mentor(active=False), ORG), None)
    assert (conflicting.outcome, conflicting.conflict) == (Outcome.CANCELLED, prior)
    assert (invalid.outcome, invalid.error_code) == (Outcome.CANCELLED, "inactive_participant")
    result = plan([conflicting, invalid], OnConflict.REVIEW)
    assert (result.status, result.activities) == (JobStatus.SUCCEEDED, [])
    assert conflicting.conflict == prior and invalid.error_code == "inactive_participant"


def test_activity_checks_future_backdate_and_type() -> None:
    limits = Limits(max_backdate_days=10)
    future = DRAFT.model_copy(update={"occurred_on": TODAY + timedelta(days=1)})
    old = DRAFT.model_copy(update={"occurred_on": TODAY - timedelta(days=11)})
    assert check_activity(DRAFT, today=TODAY, limits=limits, type_is_active=True) == []
    assert [
        e.loc[-1] for e in check_activity(future, today=TODAY, limits=limits, type_is_active=True)
    ] == ["occurred_on"]
    assert [
        e.loc[-1] for e in check_activity(old, today=TODAY, limits=limits, type_is_active=True)
    ] == ["occurred_on"]
    assert [
        e.loc[-1] for e in check_activity(DRAFT, today=TODAY, limits=limits, type_is_active=False)
    ] == ["activity_type"]


def test_participant_list_limits_and_repeats() -> None:
    pm = uuid4()
    repeated = [
        ParticipantRequest(peer_mentor_id=pm),
        ParticipantRequest(peer_mentor_id=uuid4()),
        ParticipantRequest(peer_mentor_id=pm),
    ]
    assert [e.loc for e in check_participants(repeated, Limits())] == [
        ("body", "participants", 2, "peer_mentor_id")
    ]
    assert check_participants(repeated, Limits(max_participants=2))[0].loc == (
        "body",
        "participants",
    )


kinds = st.sampled_from(["ok", "conflict", "invalid", "cancel", "override"])


@given(st.lists(kinds, min_size=1, max_size=40), st.sampled_from(list(OnConflict)))
def test_plans_never_write_half_and_counts_add_up(kinds_: list[str], mode: OnConflict) -> None:
    items = []
    for index, kind in enumerate(kinds_):
        user = mentor(active=kind != "invalid")
        item = JobItem.of_person(
            index,
            user.id,
            decision={"cancel": Decision.CANCEL, "override": Decision.OVERRIDE}.get(kind),
        )
        assess(
            item,
            participant_error(user, ORG),
            existing(user.id) if kind in ("conflict", "override") else None,
        )
        items.append(item)
    blocked = any(k in ("conflict", "invalid") for k in kinds_)
    result = plan(items, mode)
    outcomes = [i.outcome for i in items]
    if blocked and mode is not OnConflict.SKIP:
        assert result.activities == []
        assert result.status is (
            JobStatus.NEEDS_REVIEW if mode is OnConflict.REVIEW else JobStatus.FAILED
        )
        assert set(outcomes) <= {
            Outcome.READY,
            Outcome.CONFLICT,
            Outcome.INVALID,
            Outcome.CANCELLED,
        }
    else:
        assert result.status is JobStatus.SUCCEEDED
        assert set(outcomes) <= {
            Outcome.REGISTERED,
            Outcome.OVERRIDDEN,
            Outcome.SKIPPED,
            Outcome.CANCELLED,
        }
        written = [i for i in items if i.outcome in (Outcome.REGISTERED, Outcome.OVERRIDDEN)]
        assert [a.id for a in result.activities] == [i.activity_id for i in written]
        assert sum(o is Outcome.SKIPPED for o in outcomes) == sum(
            k in ("conflict", "invalid") for k in kinds_
        )
        assert all(
            (a.duplicate_of is not None) == (i.outcome is Outcome.OVERRIDDEN)
            for a, i in zip(result.activities, written, strict=True)
        )


def test_activity_ids_are_time_ordered_uuid7(monkeypatch: pytest.MonkeyPatch) -> None:
    import domain.model
    from domain.model import time_ordered_id

    # The clock the ids read, as it goes on: several ids in one millisecond, then the next
    # (the machine's own clock could be stepped back under a test by chance).
    start = 1_764_700_000_000  # milliseconds since the epoch
    clock = iter(range(start * 1_000_000, (start + 10) * 1_000_000, 10_000))
    monkeypatch.setattr(domain.model, "time", SimpleNamespace(time_ns=lambda: next(clock)))
    ids = [time_ordered_id() for _ in range(1000)]
    assert {i.version for i in ids} == {7}
    assert len(set(ids)) == 1000
    stamps = [i.int >> 80 for i in ids]
    assert stamps == [start + n // 100 for n in range(1000)]  # the clock's millisecond, in order
