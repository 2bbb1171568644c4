"""Undo against the real database: all or nothing under a fault, row-level security on its
own, the event and audit entry it writes, and what the reconciler and the exposure report
make of the records it deleted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.errors import InsufficientPrivilege, RaiseException
from sqlalchemy import Engine, text

from domain.model import JobStatus
from domain.services import anomalies, bulk, maintenance, undo
from persistence.database import libpq_url
from persistence.exposure import report
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.identity import sealed_as_api
from tests.support.jobs import process, submit
from tests.support.orgs import Org, yesterday
from tests.support.servers import Servers

WINDOW = timedelta(days=30)


def succeeded(uows: SqlUnitsOfWork, org: Org, mentors: list[UUID]) -> UUID:
    job_id = submit(uows, org, mentors)
    assert process(uows, job_id) is JobStatus.SUCCEEDED
    return job_id


def live(engine: Engine, job_id: UUID) -> int:
    return count(
        engine,
        "select count(*) from activities where bulk_job_id = :j and deleted_at is null",
        j=job_id,
    )


def status_of(engine: Engine, job_id: UUID) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(text("select status from bulk_jobs where id = :j"), {"j": job_id}).scalar()
        )


@contextmanager
def fault(engine: Engine, table: str, condition: str) -> Iterator[None]:
    """A trigger that raises on an update of ``table`` whose row meets ``condition`` (in
    PL/pgSQL, over ``new`` and ``n``: the rows of the job updated so far, this one
    included, counted in a setting local to the transaction)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                f"""create function undo_fault() returns trigger language plpgsql as $$
                    declare n integer := coalesce(
                        nullif(current_setting('test.undo_rows', true), ''), '0')::integer + 1;
                    begin
                      perform set_config('test.undo_rows', n::text, true);
                      if {condition} then
                        raise exception 'injected fault';
                      end if;
                      return new;
                    end $$;
                    create trigger undo_fault before update on {table}
                      for each row execute function undo_fault();"""
            )
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop trigger undo_fault on {table}; drop function undo_fault()"))


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("activities", "new.bulk_job_id = '{job}' and n = 3"),  # the third of five records
        ("bulk_jobs", "new.id = '{job}' and new.status = 'undone'"),  # after every record
    ],
)
def test_an_undo_that_fails_midway_leaves_every_record_live_and_the_job_succeeded(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine, table: str, where: str
) -> None:
    job_id = succeeded(uows, org, org.peer_mentors[:5])
    with (
        fault(superuser_engine, table, where.format(job=job_id)),
        pytest.raises(RaiseException, match="injected fault"),
    ):
        undo.undo(uows, org.coordinator, job_id, reason="wrong date", window=WINDOW)
    assert live(superuser_engine, job_id) == 5
    assert status_of(superuser_engine, job_id) == "succeeded"
    assert (
        count(
            superuser_engine,
            "select count(*) from audit_log where target = :t and action = 'bulk_job.undo'",
            t=f"bulk_job:{job_id}",
        )
        == 0
    )
    assert (
        count(
            superuser_engine,
            "select count(*) from events where type = 'bulk_registration.undone' "
            "and data->>'job_id' = :j",
            j=str(job_id),
        )
        == 0
    )


def test_an_undo_deletes_the_records_moves_the_job_and_says_so(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    job_id = succeeded(uows, org, org.peer_mentors[:4])
    first = bulk.get(uows, org.coordinator, job_id).items[0].activity_id
    assert first is not None
    undo.delete_activity(uows, org.coordinator2, first, reason="one was wrong")
    undone = undo.undo(uows, org.admin, job_id, reason="all were wrong", window=WINDOW)
    assert undone.status is JobStatus.UNDONE

    polled = bulk.get(uows, org.coordinator, job_id)
    assert (polled.status, polled.undone_by, polled.undo_reason) == (
        JobStatus.UNDONE,
        org.admin.user_id,
        "all were wrong",
    )
    assert polled.undone_at is not None and polled.finished_at == undone.finished_at
    with superuser_engine.connect() as conn:
        deletions = conn.execute(
            text(
                "select deleted_by, deletion_reason from activities where bulk_job_id = :j "
                "and deleted_at is not null order by deletion_reason"
            ),
            {"j": job_id},
        ).all()
        events = (
            conn.execute(
                text("select type from events where data->>'job_id' = :j order by seq"),
                {"j": str(job_id)},
            )
            .scalars()
            .all()
        )
        details = conn.execute(
            text("select details from audit_log where action = 'bulk_job.undo' and target = :t"),
            {"t": f"bulk_job:{job_id}"},
        ).scalar_one()
    assert [tuple(d) for d in deletions] == [(org.admin.user_id, "all were wrong")] * 3 + [
        (org.coordinator2.user_id, "one was wrong")
    ]  # the record deleted before keeps its own deletion
    assert events[-1] == "bulk_registration.undone"
    assert details == {"reason": "all were wrong", "deleted": 3}


def test_row_level_security_alone_keeps_another_organization_and_a_peer_mentor_out(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, servers: Servers, superuser_engine: Engine
) -> None:
    """Sealed as the API's role, the route guard and the service's check bypassed: another
    organization's coordinator, and a peer mentor of the job's own organization (one of its
    participants), can neither delete the job's records nor move the job. The job's own
    coordinator, the same way, can: the refusals are the policies'."""
    job_id = succeeded(uows, org, org.peer_mentors[:3])
    delete = """update activities set deleted_at = now(), deleted_by = %(u)s,
                    deletion_reason = 'forced' where bulk_job_id = %(j)s"""
    move = """update bulk_jobs set status = 'undone', undone_at = now(), undone_by = %(u)s,
                  undo_reason = 'forced' where id = %(j)s"""
    intruders = [
        (other_org.coordinator.user_id, other_org.id, "coordinator"),
        (org.peer_mentors[0], org.id, "peer_mentor"),
    ]
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        for user, org_id, role in intruders:
            sealed_as_api(conn, user, org_id, role)
            touched = [conn.execute(s, {"u": user, "j": job_id}).rowcount for s in (delete, move)]
            assert touched == [0, 0], role
            conn.rollback()
        sealed_as_api(conn, org.coordinator.user_id, org.id, "coordinator")
        own = org.coordinator.user_id
        assert [conn.execute(s, {"u": own, "j": job_id}).rowcount for s in (delete, move)] == [
            3,
            1,
        ]
        conn.rollback()
    assert live(superuser_engine, job_id) == 3
    assert status_of(superuser_engine, job_id) == "succeeded"


def test_the_reconciler_sees_nothing_missing_or_orphaned_after_deletions(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine
) -> None:
    """An undone job's records, and one record of a succeeded job deleted on purpose, are
    deleted, not missing; the exposure report lists them as written, none marked."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    undone = succeeded(uows, org, org.peer_mentors[:3])
    kept = succeeded(uows, org, org.peer_mentors[3:6])
    undo.undo(uows, org.coordinator, undone, reason="wrong date", window=WINDOW)
    one = bulk.get(uows, org.coordinator, kept).items[1].activity_id
    assert one is not None
    undo.delete_activity(uows, org.coordinator, one, reason="wrong person")

    maintenance.reconcile(uows)

    assert [
        a
        for a in anomalies.list_anomalies(uows, org.coordinator, resolved=None)
        if a.bulk_job_id in (undone, kept)
    ] == []
    exposed = report(owner_engine, org.id, since, datetime.now(UTC) + timedelta(minutes=1), None)
    of_undone = [e for e in exposed if e.bulk_job_id == undone]
    assert len(of_undone) == 3 and all(e.deleted_at is not None for e in of_undone)
    assert not any(e.misattributed for e in exposed)


def test_row_level_security_alone_lets_a_peer_mentor_delete_only_their_own_registration(
    org: Org, servers: Servers, superuser_engine: Engine
) -> None:
    """Sealed as the API's role: a peer mentor marks deleted, by themselves, a record they
    registered; not one a coordinator registered for them, not as someone else, and they
    cannot restore one."""
    pm = org.peer_mentors[0]
    insert = """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
                    duration_minutes, registered_by, source)
                values (:id, :org, :pm, :type, :on, 5, :by, :source)"""
    own, theirs = uuid4(), uuid4()
    with superuser_engine.begin() as conn:
        for id_, by, source, kind in (
            (own, pm, "self", "home_visit"),
            (theirs, org.coordinator.user_id, "proxy", "phone_call"),
        ):
            conn.execute(
                text(insert),
                {"id": id_, "org": org.id, "pm": pm, "type": kind, "on": yesterday(), "by": by}
                | {"source": source},
            )
    delete = """update activities set deleted_at = now(), deleted_by = %(by)s,
                    deletion_reason = 'mine' where id = any(%(ids)s)"""
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        sealed_as_api(conn, pm, org.id, "peer_mentor")
        with pytest.raises(InsufficientPrivilege):
            conn.execute(delete, {"by": org.coordinator.user_id, "ids": [own]})
        conn.rollback()
        sealed_as_api(conn, pm, org.id, "peer_mentor")
        assert conn.execute(delete, {"by": pm, "ids": [own, theirs]}).rowcount == 1
        conn.commit()
        sealed_as_api(conn, pm, org.id, "peer_mentor")
        restore = "update activities set deleted_at = null where id = %s"
        assert conn.execute(restore, (own,)).rowcount == 0
        conn.commit()
    with superuser_engine.connect() as conn:
        rows: dict[UUID, UUID | None] = dict(
            conn.execute(
                text("select id, deleted_by from activities where id in (:a, :b)"),
                {"a": own, "b": theirs},
            ).all()
        )
    assert rows == {own: pm, theirs: None}
