"""The database itself refuses a job's move that is not an edge of the state machine, and an
item's outcome changed without its job — as the API's role after ``app.act_as``, as the
workers' role, and as a superuser — and the reconciler and the listings survive an item
marked registered with no activity."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.errors import CheckViolation
from sqlalchemy import Engine, text

from domain.errors import InvalidState
from domain.jobs import TRANSITIONS
from domain.model import JobStatus
from domain.services import anomalies, bulk, maintenance
from persistence.database import libpq_url
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import process, submit
from tests.support.orgs import Org
from tests.support.servers import Servers


@contextmanager
def acting_as_the_api(servers: Servers, org: Org) -> Iterator[psycopg.Connection[Any]]:
    """The API's login, its identity verified by the database as a coordinator's."""
    with psycopg.connect(libpq_url(servers.api_url)) as conn:
        conn.execute("select app.act_as(%s, %s, 'coordinator')", (org.coordinator.user_id, org.id))
        yield conn


def status_of(superuser_engine: Engine, job_id: UUID) -> str:
    with superuser_engine.connect() as conn:
        return str(
            conn.execute(text("select status from bulk_jobs where id = :j"), {"j": job_id}).scalar()
        )


def test_the_databases_edges_are_the_domains(superuser_engine: Engine) -> None:
    with superuser_engine.connect() as conn:
        rows = conn.execute(text("select from_status, to_status from app.job_transitions")).all()
    edges = {(JobStatus(a), JobStatus(b)) for a, b in rows}
    assert edges == {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


@pytest.mark.parametrize(
    ("start", "statement"),
    [
        ("succeeded", "update bulk_jobs set status = 'queued' where id = %s"),
        ("queued", "update bulk_jobs set status = 'succeeded' where id = %s"),
        ("queued", "update bulk_jobs set status = 'running' where id = %s"),  # not the API's
        ("succeeded", "update bulk_job_items set outcome = 'pending' where job_id = %s"),
        ("queued", "update bulk_job_items set outcome = 'registered' where job_id = %s"),
    ],
)
def test_the_api_role_cannot_move_a_job_off_its_edges(
    uows: SqlUnitsOfWork,
    org: Org,
    servers: Servers,
    superuser_engine: Engine,
    start: str,
    statement: str,
) -> None:
    job_id = submit(uows, org, org.peer_mentors[:2], on_conflict="skip")
    if start == "succeeded":
        assert process(uows, job_id) is JobStatus.SUCCEEDED
    with acting_as_the_api(servers, org) as conn, pytest.raises(CheckViolation) as refused:
        conn.execute(statement, (job_id,))
    assert refused.value.diag.constraint_name == "job_state_machine"
    assert status_of(superuser_engine, job_id) == start


def test_a_legal_edge_with_its_items_passes_and_an_item_alone_does_not(
    uows: SqlUnitsOfWork, org: Org, servers: Servers, superuser_engine: Engine
) -> None:
    job_id = submit(uows, org, org.peer_mentors[2:4], on_conflict="skip")
    with acting_as_the_api(servers, org) as conn:  # queued → cancelled, items with it
        conn.execute(
            """with job as (update bulk_jobs set status = 'cancelled' where id = %(j)s
                            returning id)
               update bulk_job_items set outcome = 'cancelled'
               where job_id = (select id from job)""",
            {"j": job_id},
        )
        conn.commit()
    assert status_of(superuser_engine, job_id) == "cancelled"
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        with pytest.raises(CheckViolation):  # even a superuser: items move with their job
            conn.execute("update bulk_job_items set outcome = 'ready' where job_id = %s", (job_id,))
        conn.rollback()
        with pytest.raises(CheckViolation):  # and a finished job stays finished
            conn.execute("update bulk_jobs set status = 'queued' where id = %s", (job_id,))


def test_a_new_job_is_queued(servers: Servers, org: Org) -> None:
    with acting_as_the_api(servers, org) as conn, pytest.raises(CheckViolation):
        conn.execute(
            """insert into bulk_jobs (id, org_id, submitted_by, status, on_conflict, activity,
                   total) values (%s, %s, %s, 'succeeded', 'skip', '{}', 0)""",
            (uuid4(), org.id, org.coordinator.user_id),
        )


def test_a_save_off_the_state_machine_is_an_invalid_state(uows: SqlUnitsOfWork, org: Org) -> None:
    """A job read queued and cancelled by a model that did not see another transaction
    finish it: the save is refused as an invalid state (409), not a 500."""
    job_id = submit(uows, org, org.peer_mentors[4:5], on_conflict="skip")
    with uows(org.coordinator) as uow:
        job = uow.jobs.get(job_id)
        assert job is not None and job.status is JobStatus.QUEUED
        assert process(uows, job_id) is JobStatus.SUCCEEDED  # meanwhile, elsewhere
        job.cancel(datetime.now(UTC))
        uow.jobs.save(job, items=True)
        with pytest.raises(InvalidState, match="is succeeded and cannot become cancelled"):
            uow.commit()


def test_an_item_registered_without_an_activity_is_an_anomaly_that_lists(
    uows: SqlUnitsOfWork, org: Org, servers: Servers
) -> None:
    job_id = submit(uows, org, org.peer_mentors[5:7], on_conflict="skip")
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:  # as the red team did
        conn.execute(
            """with job as (update bulk_jobs set status = 'running' where id = %(j)s
                            returning id)
               update bulk_job_items set outcome = 'registered', activity_id = null
               where job_id = (select id from job)""",
            {"j": job_id},
        )
        conn.execute("update bulk_jobs set status = 'succeeded' where id = %s", (job_id,))
    maintenance.reconcile(uows)
    found = [
        a for a in anomalies.list_anomalies(uows, org.coordinator, None) if a.bulk_job_id == job_id
    ]
    assert [(a.kind.value, a.activity_ids) for a in found] == [("missing_records", [])]
    assert bulk.get(uows, org.coordinator, job_id).anomalies == found
