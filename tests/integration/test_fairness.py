"""One organization cannot hold every large-job slot; small jobs and other organizations'
jobs never wait for its large ones; organizations take turns with their small jobs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, text

from domain.errors import JobBusy
from domain.model import JobStatus
from persistence.operations import queue_depths
from persistence.repositories.claims import ABANDONED_AFTER_SECONDS, LargeJobs
from persistence.uow import SqlUnitsOfWork
from persistence.wire import Wire
from tests.support.db import job_row
from tests.support.jobs import process, submit
from tests.support.orgs import Org


def test_an_organizations_second_large_job_waits_its_turn_uncounted(
    api_engine: Engine,
    worker_engine: Engine,
    org_factory: Callable[..., Org],
    superuser_engine: Engine,
) -> None:
    uows = SqlUnitsOfWork(
        api_engine, lambda _: None, worker_engine=worker_engine, large=LargeJobs(5, per_org=1)
    )
    org, other = org_factory(30), org_factory(10)
    first = submit(uows, org, org.peer_mentors[:10])  # large: over 5 participants
    second = submit(uows, org, org.peer_mentors[10:20])  # large, same organization
    small = submit(uows, org, org.peer_mentors[20:23])
    theirs = submit(uows, other, other.peer_mentors[:10])  # large, another organization
    with uows.claiming(first, uuid4(), 30) as holding:
        assert holding.claimed().job is not None  # the organization's one large slot
        with pytest.raises(JobBusy):
            process(uows, second)
        assert job_row(superuser_engine, second)[:2] == ("queued", 0)  # waiting, uncounted
        assert process(uows, small) is JobStatus.SUCCEEDED
        assert process(uows, theirs) is JobStatus.SUCCEEDED
    # The first job's worker is gone (its claim stands, nobody holds it): once it is taken
    # over and done, the second one's turn comes.
    time.sleep(ABANDONED_AFTER_SECONDS + 1)
    with pytest.raises(JobBusy):
        process(uows, second)  # the abandoned claim still holds the slot until taken over
    assert process(uows, first) is JobStatus.SUCCEEDED
    assert process(uows, second) is JobStatus.SUCCEEDED
    assert job_row(superuser_engine, second)[:2] == ("succeeded", 1)


def test_queue_depths_count_waiting_jobs_per_queue_as_the_api_role(
    uows: SqlUnitsOfWork, org: Org, api_engine: Engine
) -> None:
    before = queue_depths(api_engine, large_job_participants=5)
    submit(uows, org, org.peer_mentors[:3])
    submit(uows, org, org.peer_mentors[3:6])
    submit(uows, org, org.peer_mentors[6:16])  # over 5: the large queue
    after = queue_depths(api_engine, large_job_participants=5)
    small, large = (after[q][0] - before.get(q, (0, 0.0))[0] for q in ("bulk.small", "bulk.large"))
    assert (small, large) == (2, 1)
    assert all(age >= 0 for _, age in after.values())


def started_in_order(engine: Engine, jobs: list[UUID]) -> list[UUID]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select id from bulk_jobs where id = any(:jobs) and started_at is not null "
                "order by started_at, id"
            ),
            {"jobs": jobs},
        ).all()
    return [r.id for r in rows]


def test_a_burst_of_one_organization_does_not_make_anothers_small_job_wait_for_it(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], superuser_engine: Engine
) -> None:
    """Organization A queues 200 small jobs, then B queues one. One worker takes the
    messages in the order they were sent (A's 200, then B's): the claims take the
    organizations in turns, so B's job runs second, not 201st — and every job runs once."""
    a, b = org_factory(3), org_factory(3)
    burst = [submit(uows, a, a.peer_mentors[:1]) for _ in range(200)]
    theirs = submit(uows, b, b.peer_mentors[:1])
    for message in [*burst, theirs]:
        process(uows, message)
    order = started_in_order(superuser_engine, [*burst, theirs])
    assert len(order) == 201
    assert order.index(theirs) < 3
    # (The same participant, day and type 200 times: all but the first need review.)
    done = {job_row(superuser_engine, job)[:2] for job in [*burst, theirs]}
    assert done <= {("succeeded", 1), ("needs_review", 1)}


def test_the_named_job_comes_first_within_its_organization(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """Within an organization the message's own job is taken (no extra round trip), not
    the oldest: the turn is the organization's."""
    older = submit(uows, org, org.peer_mentors[:1])
    named = submit(uows, org, org.peer_mentors[1:2])
    assert process(uows, named) is JobStatus.SUCCEEDED
    assert job_row(superuser_engine, older)[0] == "queued"
    assert process(uows, older) is JobStatus.SUCCEEDED


def test_a_claim_in_anothers_turn_costs_one_more_round_trip(
    uows: SqlUnitsOfWork,
    org_factory: Callable[..., Org],
    superuser_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job is two round trips of the worker's (the claim travels with the first); a claim
    that takes another organization's job in its turn adds one, in the same transaction, and
    the message then claims again until its own job is taken."""
    a, b = org_factory(3), org_factory(3)
    first, named = (submit(uows, a, a.peer_mentors[i : i + 1]) for i in range(2))
    theirs = submit(uows, b, b.peer_mentors[:1])
    assert process(uows, first) is JobStatus.SUCCEEDED  # A's turn is taken now
    made: list[int] = []
    real = Wire._pipeline

    def counted(self: Wire, queued: Any, wanted: Any) -> Any:
        made.append(len(queued) + len(wanted))
        return real(self, queued, wanted)

    monkeypatch.setattr(Wire, "_pipeline", counted)
    with superuser_engine.connect() as conn:
        since = conn.execute(text("select clock_timestamp()")).scalar()
    assert process(uows, named) is JobStatus.SUCCEEDED
    with superuser_engine.connect() as conn:
        taken = (
            conn.execute(
                text("select id from bulk_jobs where started_at >= :since order by started_at"),
                {"since": since},
            )
            .scalars()
            .all()
        )
    # B's job before A's second (and any other organization's waiting job before both).
    assert taken.index(theirs) < taken.index(named) == len(taken) - 1
    assert job_row(superuser_engine, theirs)[:2] == ("succeeded", 1)
    assert len(made) == 2 * len(taken) + (len(taken) - 1)
