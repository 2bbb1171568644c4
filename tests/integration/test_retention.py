"""Retention against the real database: what is no longer needed is deleted, in batches, as
the maintenance role the beat task uses, and nothing that is still needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import Engine, text

from domain.model import JobStatus
from domain.services import privacy
from persistence.privacy import SqlRetention
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.jobs import process, submit
from tests.support.orgs import Org


def test_retention_deletes_only_what_is_no_longer_needed(
    owner_engine: Engine, worker_engine: Engine, org: Org
) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                """insert into events (id, org_id, type, data, created_at)
                   select 'evt_old' || n || :tag, :org, 'anomaly.opened', '{}', :old
                   from generate_series(1, 7) n"""
            ),
            {"org": org.id, "old": old, "tag": org.tag},
        )
        conn.execute(
            text(
                """insert into audit_log (org_id, action, target, at)
                   values (:org, 'x', 'y', now() - interval '2000 days'),
                          (:org, 'x', 'y', now() - interval '10 days')"""
            ),
            {"org": org.id},
        )
        conn.execute(
            text(
                """insert into sign_in_links (digest, user_id, expires_at, used_at)
                   values (:a, :u, now() - interval '2 days', null),
                          (:b, :u, now() + interval '1 hour', now() - interval '3 days'),
                          (:c, :u, now() + interval '1 hour', null)"""
            ),
            {"a": uuid4().bytes, "b": uuid4().bytes, "c": uuid4().bytes, "u": org.admin.user_id},
        )
        conn.execute(
            text(
                """insert into screen_sessions (digest, user_id, expires_at)
                   values (:a, :u, now() - interval '1 minute'),
                          (:b, :u, now() + interval '1 hour')"""
            ),
            {"a": uuid4().bytes, "b": uuid4().bytes, "u": org.admin.user_id},
        )
    keep = privacy.RetentionDays()
    store = SqlRetention(worker_engine)  # as the maintenance role, as the beat task runs
    planned = privacy.preview(store, keep)
    assert planned["events"] >= 7
    assert planned["audit_log"] >= 1
    assert planned["sign_in_links"] >= 2
    assert planned["screen_sessions"] >= 1
    heard: list[tuple[str, int]] = []

    done = privacy.expire(store, keep, batch=3, deleted=lambda k, n: heard.append((k, n)))

    assert done == planned
    assert all(n <= 3 for _, n in heard)  # in batches of at most 3
    assert privacy.preview(store, keep) == dict.fromkeys(privacy.KINDS, 0)
    assert (
        count(
            owner_engine,
            "select count(*) from audit_log where org_id = :o and action = 'x'",
            o=org.id,
        )
        == 1
    )
    assert (
        count(
            owner_engine,
            "select count(*) from sign_in_links where user_id = :u",
            u=org.admin.user_id,
        )
        == 1
    )
    assert (
        count(
            owner_engine,
            "select count(*) from screen_sessions where user_id = :u",
            u=org.admin.user_id,
        )
        == 1
    )


def test_retention_keeps_a_deleted_record_a_succeeded_job_still_points_at(
    uows: SqlUnitsOfWork, owner_engine: Engine, superuser_engine: Engine, org: Org
) -> None:
    """Else the reconciler would take its absence for a missing record."""
    standing = submit(uows, org, org.peer_mentors[2:3])
    undone = submit(uows, org, org.peer_mentors[3:4])
    assert process(uows, standing) is JobStatus.SUCCEEDED
    assert process(uows, undone) is JobStatus.SUCCEEDED
    with superuser_engine.begin() as conn:
        conn.execute(
            text(
                """update bulk_jobs set status = 'undone', undone_at = now(),
                          undone_by = :who, undo_reason = 'test' where id = :job"""
            ),
            {"job": undone, "who": org.coordinator.user_id},
        )
        conn.execute(
            text(
                """update activities set deleted_at = now() - interval '400 days',
                          deleted_by = :who, deletion_reason = 'test'
                   where bulk_job_id in (:a, :b)"""
            ),
            {"a": standing, "b": undone, "who": org.coordinator.user_id},
        )

    privacy.expire(SqlRetention(owner_engine, maintenance=False), privacy.RetentionDays())

    left = "select count(*) from activities where bulk_job_id = :j"
    assert (count(owner_engine, left, j=standing), count(owner_engine, left, j=undone)) == (1, 0)
