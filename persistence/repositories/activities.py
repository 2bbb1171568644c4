"""Activities: the batch insert, soft deletes, listings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.model import (
    Activity,
    NewActivity,
    Source,
    StoredActivity,
)
from domain.ports.activities import ActivityFilter, Screening
from domain.ports.common import Page
from persistence import cursors
from persistence.repositories.screening import SCREEN_PARTICIPANTS, screening_from_rows
from persistence.repositories.shared import ACTIVITY_COLUMNS, Row, keyset_page, sparse
from persistence.wire import Wire, sql


def _stored(r: Row) -> StoredActivity:
    return StoredActivity(
        **vars(_activity(r)),
        deleted_at=r.deleted_at,
        deleted_by=r.deleted_by,
        deletion_reason=r.deletion_reason,
    )


def _activity(r: Row) -> Activity:
    return Activity(
        id=r.id,
        org_id=r.org_id,
        peer_mentor_id=r.peer_mentor_id,
        activity_type=r.activity_type,
        occurred_on=r.occurred_on,
        duration_minutes=r.duration_minutes,
        notes=r.notes,
        registered_by=r.registered_by,
        source=Source(r.source),
        bulk_job_id=r.bulk_job_id,
        duplicate_of=r.duplicate_of,
        created_at=r.created_at,
    )


class SqlActivities:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def screen(
        self, org_id: UUID, activity_type: str, occurred_on: date, peer_mentor_ids: Sequence[UUID]
    ) -> Screening:
        """One statement; the duplicate check is served by the partial unique index, so its
        cost follows the batch, not the table."""
        if not peer_mentor_ids:
            return Screening({}, {})
        params = {
            "ids": list(peer_mentor_ids),
            "org": org_id,
            "type": activity_type,
            "on": occurred_on,
        }
        return screening_from_rows(self.wire.rows(SCREEN_PARTICIPANTS, params))

    def add_many(self, activities: Sequence[NewActivity]) -> None:
        """All rows of one call share the activity, registrar, source and job (one draft),
        so only the per-participant columns travel as arrays. Written with the next round
        trip: a failure (a concurrent duplicate) surfaces there, at the latest at commit."""
        first = activities[0]
        shared = (
            first.org_id,
            first.activity_type,
            first.occurred_on,
            first.duration_minutes,
            first.notes,
            first.registered_by,
            first.source,
            first.bulk_job_id,
        )
        assert all(
            (
                a.org_id,
                a.activity_type,
                a.occurred_on,
                a.duration_minutes,
                a.notes,
                a.registered_by,
                a.source,
                a.bulk_job_id,
            )
            == shared
            for a in activities
        ), "add_many takes the rows of one draft"
        self.wire.queue(
            sql(
                """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
                       duration_minutes, notes, registered_by, source, bulk_job_id, duplicate_of)
                   select u.id, :org, u.peer_mentor_id, :type, :on, :duration, :notes, :by,
                          :source, :job, u.duplicate_of
                   from unnest(cast(:ids as uuid[]), cast(:pm as uuid[]), cast(:dup as uuid[]))
                        as u(id, peer_mentor_id, duplicate_of)""",
                binary=True,
            ),
            {
                "ids": [a.id for a in activities],
                "pm": [a.peer_mentor_id for a in activities],
                "dup": sparse([a.duplicate_of for a in activities]),
                "org": first.org_id,
                "type": first.activity_type,
                "on": first.occurred_on,
                "duration": first.duration_minutes,
                "notes": first.notes,
                "by": first.registered_by,
                "source": first.source.value,
                "job": first.bulk_job_id,
            },
        )

    def soft_delete(self, activity_ids: Sequence[UUID], by: UUID, reason: str) -> int:
        """Mark deleted, with who and why; the rows stay for the record."""
        return self.wire.count(
            sql(
                """update activities set deleted_at = now(), deleted_by = :by,
                       deletion_reason = :reason
                   where id = any(cast(:ids as uuid[])) and deleted_at is null"""
            ),
            {"ids": list(activity_ids), "by": by, "reason": reason},
        )

    def soft_delete_of_job(self, job_id: UUID, by: UUID, reason: str) -> int:
        """The job's live activities, by the index of activities by job
        (``activities_bulk_job``); those deleted before keep their deletion."""
        return self.wire.count(
            sql(
                """update activities set deleted_at = now(), deleted_by = :by,
                       deletion_reason = :reason
                   where bulk_job_id = :job and deleted_at is null"""
            ),
            {"job": job_id, "by": by, "reason": reason},
        )

    def get(self, activity_id: UUID) -> Activity | None:
        row = self.wire.first(
            sql(
                f"select {ACTIVITY_COLUMNS} from activities a "
                "where a.id = :id and a.deleted_at is null"
            ),
            {"id": activity_id},
        )
        return _activity(row) if row else None

    def by_ids(self, activity_ids: Sequence[UUID]) -> list[StoredActivity]:
        rows = self.wire.rows(
            sql(
                f"""select {ACTIVITY_COLUMNS}, a.deleted_at, a.deleted_by, a.deletion_reason
                    from activities a where a.id = any(cast(:ids as uuid[]))"""
            ),
            {"ids": list(activity_ids)},
        )
        return [_stored(r) for r in rows]

    def page(self, flt: ActivityFilter, cursor: str | None, limit: int) -> Page[StoredActivity]:
        """Newest first. A window (``created_from`` / ``created_to``) is served by the
        organization's index by time (``activities_org_newest``), or with ``registered_by``
        by the registrar's (``activities_registrar_window``): its cost follows the window,
        not the table."""
        after = cursors.decode(cursor) if cursor else None
        rows = self.wire.rows(
            sql(
                f"""select {ACTIVITY_COLUMNS}, a.deleted_at, a.deleted_by, a.deletion_reason
                    from activities a
                    where (a.deleted_at is null or :deleted)
                      and (cast(:pm as uuid) is null or a.peer_mentor_id = :pm)
                      and (cast(:job as uuid) is null or a.bulk_job_id = :job)
                      and (cast(:by as uuid) is null or a.registered_by = :by)
                      and (cast(:source as text) is null or a.source = :source)
                      and (cast(:since as timestamptz) is null or a.created_at >= :since)
                      and (cast(:until as timestamptz) is null or a.created_at < :until)
                      and (cast(:after_at as timestamptz) is null
                           or (a.created_at, a.id) < (:after_at, :after_id))
                    order by a.created_at desc, a.id desc limit :limit"""
            ),
            {
                "pm": flt.peer_mentor_id,
                "job": flt.bulk_job_id,
                "by": flt.registered_by,
                "source": flt.source.value if flt.source else None,
                "since": flt.created_from,
                "until": flt.created_to,
                "deleted": flt.include_deleted,
                "after_at": after[0] if after else None,
                "after_id": after[1] if after else None,
                "limit": limit + 1,
            },
        )
        return keyset_page(rows, limit, _stored, lambda a: cursors.encode(a.created_at, a.id))
