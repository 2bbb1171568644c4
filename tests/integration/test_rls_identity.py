"""Whom the database lets act: an identity it confirmed (the API's ``act_as``), the submitter
of a job whose claim the worker holds (``act_for_claim``), the maintenance role only by the
workers' ``SET LOCAL ROLE`` — each tried as the role that code path really uses, with the
code above it bypassed."""

from __future__ import annotations

from uuid import uuid4

import psycopg
import pytest
from psycopg.errors import (
    InFailedSqlTransaction,
    InsufficientPrivilege,
    InvalidAuthorizationSpecification,
)
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from domain.errors import Unauthenticated
from domain.model import JobStatus, Principal, Role
from domain.ports.audit import AuditEntry
from persistence.database import libpq_url
from persistence.roles import API_ROLE, MAINTENANCE_ROLE
from persistence.uow import SqlUnitsOfWork
from persistence.wire import sql
from tests.support.db import count
from tests.support.jobs import activities_of, process, submit
from tests.support.orgs import Org
from tests.support.servers import Servers


def test_maintenance_identity_is_reached_only_by_set_local_role(
    api_engine: Engine, org: Org, uows: SqlUnitsOfWork
) -> None:
    submit(uows, org, org.peer_mentors[:2])
    with api_engine.connect() as conn:
        assert conn.execute(text("select count(*) from bulk_jobs")).scalar() == 0
    with uows.maintenance() as m:
        found = m.wire.rows(sql("select count(*) from bulk_jobs where org_id = :o"), {"o": org.id})
        assert found[0][0] == 1
        with pytest.raises(InsufficientPrivilege):
            m.wire.rows(sql("select count(*) from organizations"))
    with api_engine.connect() as conn:
        assert conn.execute(text("select current_user")).scalar() == API_ROLE
        with pytest.raises(ProgrammingError, match="permission denied to set role"):
            conn.execute(text(f"select set_config('role', '{MAINTENANCE_ROLE}', true)"))


def test_a_unit_of_work_refuses_an_identity_the_database_does_not_confirm(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, superuser_engine: Engine
) -> None:
    lies = [
        Principal(org.inactive, org.id, Role.PEER_MENTOR),  # inactive
        Principal(org.coordinator.user_id, org.id, Role.ADMIN),  # wrong role
        Principal(org.coordinator.user_id, other_org.id, Role.COORDINATOR),  # wrong organization
        Principal(uuid4(), org.id, Role.COORDINATOR),  # unknown
    ]
    entry = AuditEntry(org.id, org.coordinator.user_id, "probe", "probe", {})
    for claimed in lies:
        with pytest.raises(Unauthenticated), uows(claimed) as uow:
            uow.directory.users(org.peer_mentors)  # the first round trip carries the check
            pytest.fail("no statement may answer under an unconfirmed identity")
        with pytest.raises(Unauthenticated), uows(claimed) as uow:
            uow.audit.record([entry])  # queued behind the identity, sent with the commit
            uow.commit()
    assert count(superuser_engine, "select count(*) from audit_log where action = 'probe'") == 0
    with uows(org.coordinator) as uow:
        assert uow.directory.user(org.coordinator.user_id) is not None


def test_the_worker_acts_only_for_the_submitter_of_a_job_whose_claim_it_holds(
    servers: Servers, org: Org, uows: SqlUnitsOfWork, superuser_engine: Engine
) -> None:
    """``app.act_for_claim``, called by hand as the workers' role (the worker's code
    bypassed): the identity it sets is the job's submitter's, for the transaction only, and
    only for the token of a claim that is running; a submitter who may no longer register
    is refused, and the refusal stops the transaction."""
    job_id = submit(uows, org, org.peer_mentors[:2])
    token = uuid4()
    act = "select app.act_for_claim(%s, %s)"
    who = """select current_setting('app.user_id', true), current_setting('app.org_id', true),
                    current_setting('app.role', true), (select count(*) from bulk_jobs)"""
    with psycopg.connect(libpq_url(servers.api_url)) as conn, pytest.raises(InsufficientPrivilege):
        conn.execute(act, (job_id, token))  # the API may not act for a claim at all
    with psycopg.connect(libpq_url(servers.worker_url)) as conn:
        with pytest.raises(InvalidAuthorizationSpecification):
            conn.execute(act, (job_id, token))  # queued: no claim yet
        conn.rollback()
        with uows.claiming(job_id, token, 60) as claiming:
            assert claiming.claimed().job is not None  # the claim stands; nothing else does
        for wrong in (uuid4(), None):
            with pytest.raises(InvalidAuthorizationSpecification):
                conn.execute(act, (job_id, wrong))
            conn.rollback()
        conn.execute(act, (job_id, token))
        assert conn.execute(who).fetchone() == (
            str(org.coordinator.user_id),
            str(org.id),
            "coordinator",
            1,
        )
        conn.commit()
        assert conn.execute(who).fetchone() in {("", "", "", 0), (None, None, None, 0)}
        conn.rollback()
        for change in (
            "update users set active = false where id = :u",
            "update users set role = 'peer_mentor' where id = :u",
        ):
            with superuser_engine.begin() as admin:
                admin.execute(text(change), {"u": org.coordinator.user_id})
            with pytest.raises(InvalidAuthorizationSpecification):
                conn.execute(act, (job_id, token))
            with pytest.raises(InFailedSqlTransaction):
                conn.execute("select 1")  # nothing runs behind a refusal
            conn.rollback()
            with superuser_engine.begin() as admin:
                admin.execute(
                    text("update users set active = true, role = 'coordinator' where id = :u"),
                    {"u": org.coordinator.user_id},
                )


def test_a_job_whose_submitter_may_no_longer_register_fails_and_writes_nothing(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """The submitter was deactivated between submit and processing: the server refuses to
    act as them, the attempt counts, the job fails saying why, and no activity is written."""
    job_id = submit(uows, org, org.peer_mentors[:3])
    with superuser_engine.begin() as admin:
        admin.execute(
            text("update users set active = false where id = :u"), {"u": org.coordinator.user_id}
        )
    assert process(uows, job_id) is JobStatus.FAILED
    with superuser_engine.connect() as conn:
        row = conn.execute(
            text("select status, error_code, attempts from bulk_jobs where id = :j"), {"j": job_id}
        ).one()
    assert tuple(row) == ("failed", "submitter_not_authorized", 1)
    assert activities_of(superuser_engine, job_id) == 0
