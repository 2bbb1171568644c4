"""The screening of a batch: who may not take part, and who has the activity already."""

from __future__ import annotations

from domain.model import (
    ExistingActivity,
    Role,
    UserRecord,
)
from domain.ports import Screening
from persistence.repositories.shared import Row
from persistence.wire import Sql, sql


def _screening_of(participants: str) -> Sql:
    """Both checks of a batch in one statement: a row for each participant who is not an
    active peer mentor of the organization, has the same activity registered already (one
    probe of the unique index each — see migration 0005 for why the planner takes it even
    on a table it has not analyzed yet), or both. ``participants`` yields ``p(id, org_id,
    activity_type, occurred_on)``."""
    return sql(
        f"""select p.id as requested,
                   (u.id is null or not (u.org_id = p.org_id and u.role = 'peer_mentor'
                                         and u.active)) as ineligible,
                   u.id as user_id, u.org_id as user_org_id, u.role, u.display_name, u.active,
                   a.id as duplicate_id, a.registered_by, a.activity_type, a.occurred_on,
                   a.created_at
            from {participants}
            left join users u on u.id = p.id
            left join lateral (
                select * from activities
                where peer_mentor_id = p.id and activity_type = p.activity_type
                  and occurred_on = p.occurred_on and duplicate_of is null
                  and deleted_at is null and org_id = p.org_id
                limit 1) as a on true
            where a.id is not null or u.id is null
               or not (u.org_id = p.org_id and u.role = 'peer_mentor' and u.active)""",
        binary=True,
    )


SCREEN_PARTICIPANTS = _screening_of(
    """(select id, cast(:org as uuid) as org_id, cast(:type as text) as activity_type,
               cast(:on as date) as occurred_on
        from unnest(cast(:ids as uuid[])) as ids(id)) as p"""
)
# For the worker: every participant of a claimed job, from its items and its activity.
SCREEN_JOB = _screening_of(
    """(select i.peer_mentor_id as id, j.org_id, j.activity ->> 'activity_type' as activity_type,
               cast(j.activity ->> 'occurred_on' as date) as occurred_on
        from bulk_jobs j join bulk_job_items i on i.job_id = j.id
        where j.id = :job) as p"""
)


def screening_from_rows(rows: list[Row]) -> Screening:
    return Screening(
        {
            r.requested: UserRecord(
                r.user_id, r.user_org_id, Role(r.role), r.display_name, r.active
            )
            if r.user_id
            else None
            for r in rows
            if r.ineligible
        },
        {
            r.requested: ExistingActivity(
                r.duplicate_id,
                r.requested,
                r.registered_by,
                r.activity_type,
                r.occurred_on,
                r.created_at,
            )
            for r in rows
            if r.duplicate_id
        },
    )
