"""How a job in review is laid out for the coordinator: problems first, new conflicts told
apart, the skip-all button worded for what the job holds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from api.screen.i18n import words
from api.screen.review import by_line, review
from domain.errors import ExistingActivity
from domain.jobs import BulkJob
from domain.languages import Language
from domain.model import (
    ActivityDraft,
    Decision,
    Given,
    JobItem,
    JobStatus,
    KeyKind,
    OnConflict,
    Outcome,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
EN, NB = words(Language.EN), words(Language.NB)


def _job(outcomes: list[Outcome], decided: dict[int, Decision] | None = None) -> BulkJob:
    items = []
    for index, outcome in enumerate(outcomes):
        pm = uuid4()
        conflict = (
            ExistingActivity(uuid4(), pm, uuid4(), "home_visit", date(2026, 11, 30), NOW)
            if outcome is Outcome.CONFLICT
            else None
        )
        item = JobItem.of_person(index, pm, outcome=outcome, conflict=conflict)
        item.decision = (decided or {}).get(index)
        items.append(item)
    return BulkJob(
        uuid4(),
        uuid4(),
        uuid4(),
        JobStatus.NEEDS_REVIEW,
        OnConflict.REVIEW,
        ActivityDraft(
            activity_type="home_visit", occurred_on=date(2026, 11, 30), duration_minutes=30
        ),
        len(items),
        NOW,
        items=items,
    )


R, C, INV, X = Outcome.READY, Outcome.CONFLICT, Outcome.INVALID, Outcome.CANCELLED


def test_problems_come_first_in_their_own_groups() -> None:
    r = review(_job([R, C, R, INV, C, R]))
    assert [i.index for i in r.conflicts] == [1, 4]
    assert [i.index for i in r.invalid] == [3]
    assert [i.index for i in r.rest] == [0, 2, 5]
    assert r.new == frozenset() and not r.decided_before


@pytest.mark.parametrize(
    ("outcomes", "label"),
    [
        ([C, C, C, C, *[R] * 11], "Skip the 4 conflicts and register the other 11 people"),
        ([C, R], "Skip the conflict and register the other 1 person"),
        (
            [C, INV, R, R],
            "Skip the conflict and the 1 invalid participant and register the other 2 people",
        ),
        ([INV, INV, R], "Skip the 2 invalid participants and register the other 1 person"),
        ([C, C], "Skip the 2 conflicts: nothing is left to register"),
    ],
)
def test_skip_all_is_worded_for_what_the_job_holds(outcomes: list[Outcome], label: str) -> None:
    assert review(_job(outcomes)).skip_all_label(EN) == label


@pytest.mark.parametrize(
    ("outcomes", "label"),
    [
        ([C, C, C, C, *[R] * 11], "Hopp over de 4 konfliktene og registrer de 11 andre"),
        ([C, R], "Hopp over konflikten og registrer den ene andre"),
        (
            [C, INV, R, R],
            "Hopp over konflikten og den 1 ugyldige deltakeren og registrer de 2 andre",
        ),
        ([C, C], "Hopp over de 2 konfliktene: da er det ingen igjen å registrere"),
    ],
)
def test_skip_all_is_worded_in_bokmal_too(outcomes: list[Outcome], label: str) -> None:
    assert review(_job(outcomes)).skip_all_label(NB) == label


def test_conflicts_found_after_the_coordinators_decisions_are_new() -> None:
    # Back in review: two items were decided (one skipped, one to register anyway); two
    # others, ready then, now collide with a record written in the meantime.
    job = _job([X, R, C, C, R], decided={0: Decision.CANCEL, 1: Decision.OVERRIDE})
    r = review(job)
    assert r.decided_before and r.new == frozenset({2, 3})
    assert r.ready == 2  # items 1 and 4; item 0 stays skipped
    assert r.skip_all_label(EN) == "Skip the 2 conflicts and register the other 2 people"


def test_participants_from_a_file_are_numbered_by_line_those_picked_by_name() -> None:
    picked = _job([R, C, R])
    assert not by_line(picked)
    from_a_file = _job([R, C, R])
    from_a_file.items[2].given = Given(KeyKind.EMAIL, "someone@example.org")
    assert by_line(from_a_file)
