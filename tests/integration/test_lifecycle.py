"""A save is an edge of the state machine or nothing: the statement for a job's new status
updates it only from a status that may become it, and otherwise fails its transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from domain.errors import InvalidState
from domain.model import JobStatus
from persistence.uow import SqlUnitsOfWork
from tests.support.db import job_row
from tests.support.jobs import submit
from tests.support.orgs import Org


@pytest.mark.parametrize("items", [False, True])
def test_a_save_off_the_state_machine_writes_nothing_and_fails(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine, items: bool
) -> None:
    job_id = submit(uows, org, org.peer_mentors[:2])
    before = job_row(superuser_engine, job_id)
    # The database's refusal, as the domain's: an invalid state (409), not a driver error.
    refused = pytest.raises(InvalidState, match="is queued and cannot become succeeded")
    with refused, uows(org.coordinator) as uow:
        job = uow.jobs.lock(job_id)
        assert job is not None and job.status is JobStatus.QUEUED
        job.status = JobStatus.SUCCEEDED  # past the model's refusal: queued → succeeded
        uow.jobs.save(job, items=items)
        uow.commit()
    assert job_row(superuser_engine, job_id) == before


def test_a_save_on_the_state_machine_is_written(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    job_id = submit(uows, org, org.peer_mentors[:2])
    with uows(org.coordinator) as uow:
        job = uow.jobs.lock(job_id)
        assert job is not None
        job.cancel(job.created_at)
        uow.jobs.save(job, items=True)
        uow.commit()
    status, _, version = job_row(superuser_engine, job_id)
    assert (status, version) == ("cancelled", 2)
