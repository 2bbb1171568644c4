"""The screening of a batch: whom each participant names, who may not take part, and who has
the activity already."""

from __future__ import annotations

from domain.model import ExistingActivity, Role, UserRecord
from domain.ports.activities import Screening
from persistence.repositories.shared import Row
from persistence.wire import sql

# The existing record a registration would duplicate, for a participant ``p.id``: one probe
# of the partial unique index ``activities_no_silent_duplicate`` each (the planner takes it
# even on a table it has not analyzed yet: ``activities`` starts with statistics that give a
# peer mentor a history, set by ``pg_restore_attribute_stats`` before any ANALYZE).
DUPLICATE = """left join lateral (
        select * from activities
        where peer_mentor_id = p.id and activity_type = p.activity_type
          and occurred_on = p.occurred_on and duplicate_of is null
          and deleted_at is null and org_id = p.org_id
        limit 1) as a on p.id is not null"""
PERSON = """u.id as user_id, u.org_id as user_org_id, u.role, u.display_name, u.active,
    (u.id is null or not (u.org_id = p.org_id and u.role = 'peer_mentor' and u.active))
        as ineligible"""
EXISTING = """a.id as duplicate_id, a.registered_by, a.activity_type, a.occurred_on,
    a.created_at, a.duration_minutes, a.notes, a.source, a.bulk_job_id"""

# For proxy registrations: participants by id. A row for each one who is not an active peer
# mentor of the organization, has the same activity registered already, or both.
SCREEN_PARTICIPANTS = sql(
    f"""select p.id as requested, {PERSON}, {EXISTING}
        from (select id, cast(:org as uuid) as org_id, cast(:type as text) as activity_type,
                     cast(:on as date) as occurred_on
              from unnest(cast(:ids as uuid[])) as ids(id)) as p
        left join users u on u.id = p.id
        {DUPLICATE}
        where a.id is not null or u.id is null
           or not (u.org_id = p.org_id and u.role = 'peer_mentor' and u.active)""",
    binary=True,
)

# For the worker: every item of a claimed job, with the person its key names and that
# person's screening, in one statement. Each key is resolved by one probe of its kind's
# index (the id, or the organization's lower-cased email or member number); only the branch
# of the item's kind runs (its condition is a one-time filter on the outer row). The
# comparisons are plain equalities of stored columns (the item's ``given_key``, the user's
# ``email_key``): under row-level security a condition that calls a function PostgreSQL
# does not know to be leakproof, such as ``lower()``, cannot be used as an index condition
# — it would be checked row by row against the whole organization (hence the stored
# columns ``bulk_job_items.given_key`` and ``users.email_key``, and the index
# ``users_org_email``).
SCREEN_JOB = sql(
    f"""select p.idx, p.given_kind, p.given_value, p.override_duplicate, p.decision,
               p.id as requested, {PERSON}, {EXISTING}
        from (select i.idx, i.given_kind, i.given_value, i.override_duplicate, i.decision,
                     j.org_id, j.activity ->> 'activity_type' as activity_type,
                     cast(j.activity ->> 'occurred_on' as date) as occurred_on, named.id
              from bulk_jobs j
              join bulk_job_items i on i.job_id = j.id
              left join lateral (
                  select u.id from users u
                  where i.given_kind = 'peer_mentor_id'
                    and u.id = cast(i.given_value as uuid) and u.org_id = j.org_id
                  union all
                  select u.id from users u
                  where i.given_kind = 'email'
                    and u.email_key = i.given_key and u.org_id = j.org_id
                  union all
                  select u.id from users u
                  where i.given_kind = 'member_number'
                    and u.member_number = i.given_value and u.org_id = j.org_id
                  limit 1) as named on true
              where j.id = :job) as p
        left join users u on u.id = p.id
        {DUPLICATE}
        order by p.idx""",
    binary=True,
)


def _user(r: Row) -> UserRecord:
    return UserRecord(r.user_id, r.user_org_id, Role(r.role), r.display_name, r.active)


def _existing(r: Row) -> ExistingActivity:
    return ExistingActivity(
        r.duplicate_id,
        r.requested,
        r.registered_by,
        r.activity_type,
        r.occurred_on,
        r.created_at,
        r.duration_minutes,
        r.notes,
        r.source,
        r.bulk_job_id,
    )


def screening_from_rows(rows: list[Row]) -> Screening:
    return Screening(
        {r.requested: _user(r) if r.user_id else None for r in rows if r.ineligible},
        {r.requested: _existing(r) for r in rows if r.duplicate_id},
    )


def job_screening_from_rows(rows: list[Row]) -> Screening:
    """A job's screening from ``SCREEN_JOB``: its ineligible participants and duplicates
    among the people its items name, and whom each item names."""
    named = [r for r in rows if r.requested is not None]
    return Screening(
        {r.requested: _user(r) for r in named if r.ineligible},
        {r.requested: _existing(r) for r in named if r.duplicate_id},
        {r.idx: (r.requested, r.display_name) for r in named},
    )
