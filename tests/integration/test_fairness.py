"""One organization cannot hold every large-job slot; small jobs and other organizations'
jobs never wait for its large ones."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import uuid4

import pytest
from sqlalchemy import Engine

from domain.errors import JobBusy
from domain.model import JobStatus
from persistence.operations import queue_depths
from persistence.repositories.claims import ABANDONED_AFTER_SECONDS, LargeJobs
from persistence.uow import SqlUnitsOfWork
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
