"""Row-level security holds on its own: posture, fail-closed, no identity leak, spoofing."""

from __future__ import annotations

import dataclasses
from uuid import uuid4

import psycopg
import pytest
from psycopg.errors import ForeignKeyViolation, InsufficientPrivilege
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from domain.errors import Forbidden
from domain.model import (
    ActivityDraft,
    BulkSubmission,
    JobItem,
    NewActivity,
    OnConflict,
    ParticipantRequest,
    Principal,
    ProxyRegistration,
    Registration,
    Role,
    Source,
)
from domain.registration import register_items
from domain.rules import Limits
from domain.services import bulk, proxy
from persistence.database import libpq_url, make_engine
from persistence.roles import API_ROLE, APP_ROLE, WORKER_ROLE
from persistence.uow import SqlUnitsOfWork
from persistence.wire import sql
from tests.support.db import count
from tests.support.identity import sealed_as_api
from tests.support.jobs import submit
from tests.support.orgs import Org, yesterday
from tests.support.servers import Servers

UNGRANTED = ["sign_in_links", "screen_sessions", "sign_in_requests", "emails"]
TABLES = [
    "organizations",
    "users",
    "activity_types",
    "activities",
    "bulk_jobs",
    "bulk_job_items",
    "anomalies",
    "audit_log",
    "user_roles",
    "events",
    "webhooks",
    "webhook_deliveries",
    "webhook_attempts",
    *UNGRANTED,
]


def test_app_role_posture_from_the_catalog(superuser_engine: Engine) -> None:
    with superuser_engine.connect() as conn:
        role = conn.execute(
            text("select rolsuper, rolbypassrls, rolinherit from pg_roles where rolname = :r"),
            {"r": APP_ROLE},
        ).one()
        owned = conn.execute(
            text("select count(*) from pg_tables where tableowner = :r"), {"r": APP_ROLE}
        ).scalar()
        tables = conn.execute(
            text(
                "select relname, relrowsecurity, relforcerowsecurity from pg_class "
                "where relnamespace = 'public'::regnamespace and relkind = 'r' "
                "and relname <> 'alembic_version'"
            )
        ).all()
        views = conn.execute(
            text("select count(*) from pg_views where schemaname in ('public', 'app')")
        ).scalar()
    assert (role.rolsuper, role.rolbypassrls, role.rolinherit) == (False, False, False)
    assert owned == 0
    assert sorted(t.relname for t in tables) == sorted(TABLES)
    assert all(t.relrowsecurity and t.relforcerowsecurity for t in tables)
    assert views == 0


def test_without_identity_nothing_is_visible_and_nothing_can_be_inserted(
    api_engine: Engine, org: Org, uows: SqlUnitsOfWork
) -> None:
    proxy.register(
        uows,
        org.coordinator,
        ProxyRegistration(
            peer_mentor_id=org.peer_mentors[0],
            activity=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
            ),
        ),
        limits=Limits(),
    )
    with api_engine.connect() as conn:
        for table in TABLES:
            if table in UNGRANTED:
                continue
            assert conn.execute(text(f"select count(*) from {table}")).scalar() == 0, table
    for table in UNGRANTED:  # the API reaches these only through definer functions
        with api_engine.connect() as conn, pytest.raises(ProgrammingError) as denied:
            conn.execute(text(f"select count(*) from {table}"))
        assert denied.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
    with api_engine.connect() as conn:
        with pytest.raises(ProgrammingError) as refused:
            conn.execute(
                text(
                    "insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,"
                    " duration_minutes, registered_by, source) values (gen_random_uuid(), :o, :p,"
                    " 'home_visit', current_date, 5, :p, 'self')"
                ),
                {"o": org.id, "p": org.peer_mentors[1]},
            )
        assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]


def test_identity_does_not_leak_to_the_next_transaction_on_the_same_connection(
    servers: Servers, org: Org, superuser_engine: Engine
) -> None:
    """A pool of one connection per role: on the API's, a coordinator's unit of work, then
    a peer mentor's — which sees only its own identity; on the worker's, the maintenance
    claim, then the job under its submitter. Afterwards neither connection carries an
    identity into its next transaction."""
    from domain.services import processing

    engine = make_engine(servers.api_url, pool_size=1)
    engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    worker = make_engine(servers.worker_url, pool_size=1)
    worker.pool._max_overflow = 0  # type: ignore[attr-defined]
    uows = SqlUnitsOfWork(engine, lambda _: None, worker_engine=worker)
    probe_text = (
        "select pg_backend_pid(), current_user, current_setting('app.user_id', true) as user_id, "
        "current_setting('app.role', true) as role"
    )
    probe = text(probe_text)
    try:
        with uows(org.coordinator) as uow:
            staff_sees = len(uow.directory.users(org.peer_mentors))
            backend = uow.wire.rows(sql(probe_text))[0][0]
        job_id = submit(uows, org, org.peer_mentors[:3])
        assert processing.process(uows, job_id, lease_seconds=30, max_attempts=5) is not None
        mentor = org.principal(org.peer_mentors[0])
        with uows(mentor) as uow:
            mentor_sees = uow.directory.users(org.peer_mentors)
            after = tuple(uow.wire.rows(sql(probe_text))[0])
            jobs_seen = uow.jobs.get(job_id)
        with engine.connect() as conn:
            leftover = conn.execute(probe).one()
        with worker.connect() as conn:
            worker_leftover = conn.execute(probe).one()
            worker_sees = conn.execute(text("select count(*) from bulk_jobs")).scalar()
    finally:
        engine.dispose()
        worker.dispose()
    assert after[0] == backend == leftover[0]
    assert staff_sees == len(org.peer_mentors)
    assert list(mentor_sees) == [org.peer_mentors[0]]
    assert after[1:] == (API_ROLE, str(org.peer_mentors[0]), "peer_mentor")
    assert jobs_seen is None
    assert leftover[1] == API_ROLE and leftover[2] in ("", None) and leftover[3] in ("", None)
    assert worker_leftover[1] == WORKER_ROLE and worker_leftover[2] in ("", None)
    assert worker_sees == 0
    assert (
        count(superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job_id)
        == 3
    )
    assert count(superuser_engine, "select count(*) from audit_log where action = 'probe'") == 0
    with uows(org.coordinator) as uow:
        assert uow.directory.user(org.coordinator.user_id) is not None


def test_registered_by_cannot_be_spoofed_and_rows_cannot_be_moved(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, superuser_engine: Engine
) -> None:
    spoofed = NewActivity(
        id=uuid4(),
        org_id=org.id,
        peer_mentor_id=org.peer_mentors[0],
        activity_type="home_visit",
        occurred_on=yesterday(),
        duration_minutes=5,
        notes=None,
        registered_by=org.coordinator2.user_id,
        source=Source.PROXY,
        bulk_job_id=None,
        duplicate_of=None,
    )
    with pytest.raises(InsufficientPrivilege), uows(org.coordinator) as uow:
        uow.activities.add_many([spoofed])
        uow.commit()

    activity = proxy.register(
        uows,
        org.coordinator,
        ProxyRegistration(
            peer_mentor_id=org.peer_mentors[1],
            activity=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
            ),
        ),
        limits=Limits(),
    )
    for column, value in (
        ("peer_mentor_id", org.peer_mentors[2]),
        ("org_id", other_org.id),
        ("registered_by", org.coordinator2.user_id),
    ):
        with pytest.raises(InsufficientPrivilege), uows(org.coordinator) as uow:
            uow.wire.count(
                sql(f"update activities set {column} = :v where id = :id"),
                {"v": value, "id": activity.id},
            )
    assert (
        count(
            superuser_engine,
            "select count(*) from activities where id = :id and peer_mentor_id = :p",
            id=activity.id,
            p=org.peer_mentors[1],
        )
        == 1
    )


def test_a_peer_mentor_cannot_register_for_someone_else_even_with_every_other_layer_bypassed(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """The route guard and the service check are skipped: the repository is called directly
    under a peer mentor's identity, and PostgreSQL alone refuses."""
    mentor = org.principal(org.peer_mentors[0])
    other = org.peer_mentors[1]
    row = NewActivity(
        id=uuid4(),
        org_id=org.id,
        peer_mentor_id=other,
        activity_type="home_visit",
        occurred_on=yesterday(),
        duration_minutes=5,
        notes=None,
        registered_by=mentor.user_id,
        source=Source.PROXY,
        bulk_job_id=None,
        duplicate_of=None,
    )
    with pytest.raises(InsufficientPrivilege), uows(mentor) as uow:
        uow.activities.add_many([row])
        uow.commit()
    assert (
        count(
            superuser_engine, "select count(*) from activities where peer_mentor_id = :p", p=other
        )
        == 0
    )


def test_an_activitys_references_are_checked_by_the_database_even_with_every_other_layer_bypassed(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, superuser_engine: Engine
) -> None:
    """The repository is called directly by a coordinator, without the screening: a batch
    holding one row that refers outside the organization is refused whole (the statement
    check of ``app.check_activity_references``), and nothing of it is written."""
    foreign_job = submit(uows, other_org, other_org.peer_mentors[:1])

    def row(in_org: Org = org, **change: object) -> NewActivity:
        fields: dict[str, object] = dict(
            id=uuid4(),
            org_id=in_org.id,
            peer_mentor_id=in_org.peer_mentors[0],
            activity_type="home_visit",
            occurred_on=yesterday(),
            duration_minutes=5,
            notes=None,
            registered_by=in_org.coordinator.user_id,
            source=Source.PROXY,
            bulk_job_id=None,
            duplicate_of=None,
        )
        return NewActivity(**(fields | change))  # type: ignore[arg-type]

    foreign_activity = row(other_org, peer_mentor_id=other_org.peer_mentors[-1])
    with uows(other_org.coordinator) as uow:
        uow.activities.add_many([foreign_activity])
        uow.commit()

    for bad in (
        row(peer_mentor_id=other_org.peer_mentors[0]),  # another organization's peer mentor
        row(peer_mentor_id=uuid4()),  # nobody
        row(activity_type="not_a_type"),
        row(source=Source.BULK, bulk_job_id=foreign_job),  # another organization's job
        row(duplicate_of=uuid4()),  # duplicates no activity
        row(duplicate_of=foreign_activity.id),  # duplicates another organization's activity
    ):
        fine = dataclasses.replace(bad, id=uuid4(), peer_mentor_id=org.peer_mentors[1])
        batch = [fine, bad]  # a row in order does not carry one that is not
        with pytest.raises(ForeignKeyViolation), uows(org.coordinator) as uow:
            uow.activities.add_many(batch)
            uow.commit()
    assert (
        count(superuser_engine, "select count(*) from activities where org_id = :o", o=org.id) == 0
    )
    with uows(org.coordinator) as uow:  # and a batch that is all in order passes
        first = row()
        uow.activities.add_many([first, row(peer_mentor_id=org.peer_mentors[1])])
        uow.commit()
    with uows(org.coordinator) as uow:  # as does a duplicate of an activity of its own
        uow.activities.add_many([row(duplicate_of=first.id)])
        uow.commit()
    assert (
        count(superuser_engine, "select count(*) from activities where org_id = :o", o=org.id) == 3
    )


def test_a_job_is_refused_unless_its_submitter_is_of_its_organization_even_with_the_identity_check_bypassed(
    servers: Servers, org: Org, other_org: Org, superuser_engine: Engine
) -> None:
    """An identity the database believes although ``app.act_as`` would refuse it (sealed by
    the superuser, then the API's role): a coordinator claims another organization. Every
    other clause of the insert policy holds (organization, staff, submitter = the acting
    user), so the refusal is the clause that the submitter is a user of the job's
    organization."""
    insert = """insert into bulk_jobs (id, org_id, submitted_by, status, on_conflict, activity,
                    total)
                values (%s, %s, %s, 'queued', 'skip', '{}', 1)"""
    user = org.coordinator.user_id
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        sealed_as_api(conn, user, other_org.id, "coordinator")
        with pytest.raises(InsufficientPrivilege):
            conn.execute(insert, (uuid4(), other_org.id, user))
        conn.rollback()
        sealed_as_api(conn, user, org.id, "coordinator")  # the same, in its own organization
        conn.execute(insert, (uuid4(), org.id, user))
        conn.commit()
    assert (
        count(superuser_engine, "select count(*) from bulk_jobs where submitted_by = :u", u=user)
        == 1
    )


def test_another_organizations_rows_are_invisible(
    uows: SqlUnitsOfWork, org: Org, other_org: Org
) -> None:
    with uows(other_org.coordinator) as uow:
        assert uow.directory.users(org.peer_mentors) == {}
        assert not uow.directory.draft_facts(org.id, "home_visit").type_is_active
    item = JobItem.of_person(0, org.peer_mentors[0])
    with uows(other_org.coordinator) as uow:
        registration = Registration(
            draft=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
            ),
            org_id=other_org.id,
            registered_by=other_org.coordinator.user_id,
            on_conflict=OnConflict.FAIL,
            source=Source.PROXY,
            bulk_job_id=None,
        )
        plan = register_items(uow, [item], registration)
    assert item.error_code == "unknown_participant"
    assert plan.activities == []


def test_the_service_refuses_a_peer_mentor_with_the_route_bypassed(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    mentor = org.principal(org.peer_mentors[0])
    with pytest.raises(Forbidden):
        proxy.register(
            uows,
            mentor,
            ProxyRegistration(
                peer_mentor_id=org.peer_mentors[1],
                activity=ActivityDraft(
                    activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
                ),
            ),
            limits=Limits(),
        )
    with pytest.raises(Forbidden):
        bulk.submit(
            uows,
            Principal(mentor.user_id, org.id, Role.PEER_MENTOR),
            BulkSubmission(
                activity=ActivityDraft(
                    activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
                ),
                participants=[ParticipantRequest(peer_mentor_id=org.peer_mentors[1])],
            ),
            limits=Limits(),
        )
    assert (
        count(superuser_engine, "select count(*) from activities where org_id = :o", o=org.id) == 0
    )
    assert (
        count(superuser_engine, "select count(*) from bulk_jobs where org_id = :o", o=org.id) == 0
    )
