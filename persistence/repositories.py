"""Every SQL statement of the application. Values are always bound, never formatted.

Batches travel as arrays, bound in binary, and are expanded with ``unnest`` on the server:
one statement for 10,000 rows, and it works under forced row-level security (which rules out
``COPY FROM``). Writes whose answer nobody reads are queued on the wire (``later``) and leave
with the next round trip, at the latest with the commit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.jobs import BulkJob
from domain.model import (
    Activity,
    ActivityDraft,
    Anomaly,
    AnomalyAction,
    AnomalyKind,
    Decision,
    ExistingActivity,
    JobItem,
    JobStatus,
    NewActivity,
    OnConflict,
    Outcome,
    Role,
    Source,
    UserRecord,
)
from domain.ports import ActivityFilter, AuditEntry, Claim, DraftFacts, Page, Screening
from persistence import cursors
from persistence.wire import Sql, Wire, sql

Row = Any  # a psycopg named tuple


def _sparse(values: list[Any]) -> list[Any] | None:
    """A column of a batch that is all NULL travels as one NULL array, not 10,000 NULLs:
    ``unnest`` of several arrays fills a shorter (or NULL) one with NULLs."""
    return values if any(v is not None for v in values) else None


JOB_COLUMNS = """j.id, j.org_id, j.submitted_by, j.status, j.on_conflict, j.activity, j.total,
    j.attempts, j.version, j.created_at, j.started_at, j.finished_at, j.error_code,
    j.error_message"""
ACTIVITY_COLUMNS = """a.id, a.org_id, a.peer_mentor_id, a.activity_type, a.occurred_on,
    a.duration_minutes, a.notes, a.registered_by, a.source, a.bulk_job_id, a.duplicate_of,
    a.created_at"""


class SqlDirectory:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def user(self, user_id: UUID) -> UserRecord | None:
        return self.users([user_id]).get(user_id)

    def users(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        if not user_ids:
            return {}
        rows = self.wire.rows(
            sql(
                "select id, org_id, role, display_name, active from users "
                "where id = any(cast(:ids as uuid[]))"
            ),
            {"ids": list(user_ids)},
        )
        return {
            r.id: UserRecord(r.id, r.org_id, Role(r.role), r.display_name, r.active) for r in rows
        }

    def draft_facts(self, org_id: UUID, activity_type: str) -> DraftFacts:
        row = self.wire.first(
            sql(
                """select o.timezone, coalesce(t.active, false) as type_is_active
                   from organizations o
                   left join activity_types t on t.org_id = o.id and t.code = :code
                   where o.id = :org"""
            ),
            {"org": org_id, "code": activity_type},
        )
        return DraftFacts(row.timezone, row.type_is_active) if row else DraftFacts("UTC", False)


def _job(row: Row, items: list[JobItem] | None = None) -> BulkJob:
    return BulkJob(
        id=row.id,
        org_id=row.org_id,
        submitted_by=row.submitted_by,
        status=JobStatus(row.status),
        on_conflict=OnConflict(row.on_conflict),
        activity=ActivityDraft.model_validate(row.activity),
        total=row.total,
        created_at=row.created_at,
        attempts=row.attempts,
        version=row.version,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error_code=row.error_code,
        error_message=row.error_message,
        items=items or [],
    )


ITEMS = sql(
    """select i.idx, i.peer_mentor_id, i.override_duplicate, i.decision, i.outcome,
              i.activity_id, i.conflict_activity_id, i.error_code, i.error_message,
              a.peer_mentor_id as c_pm, a.registered_by as c_by, a.activity_type as c_type,
              a.occurred_on as c_on, a.created_at as c_at
       from bulk_job_items i
       left join activities a on a.id = i.conflict_activity_id
       where i.job_id = :job order by i.idx"""
)


def _item(r: Row) -> JobItem:
    return JobItem(
        index=r.idx,
        peer_mentor_id=r.peer_mentor_id,
        override_duplicate=r.override_duplicate,
        decision=Decision(r.decision) if r.decision else None,
        outcome=Outcome(r.outcome),
        activity_id=r.activity_id,
        conflict=ExistingActivity(r.conflict_activity_id, r.c_pm, r.c_by, r.c_type, r.c_on, r.c_at)
        if r.conflict_activity_id and r.c_pm
        else None,
        error_code=r.error_code,
        error_message=r.error_message,
    )


UPDATE_JOB = """update bulk_jobs set status = :status, finished_at = :finished_at,
        error_code = :error_code, error_message = :error_message,
        lease_until = case when :running then lease_until end,
        claim_token = case when :running then claim_token end,
        version = version + 1, updated_at = now()
    where id = :id"""
SAVE_JOB = sql(UPDATE_JOB)
SAVE_JOB_AND_ITEMS = sql(
    f"""with job as ({UPDATE_JOB})
        update bulk_job_items i set decision = u.decision, outcome = u.outcome,
            activity_id = u.activity_id, conflict_activity_id = u.conflict_id,
            error_code = u.item_code, error_message = u.item_message
        from unnest(cast(:idx as integer[]), cast(:decision as text[]),
                    string_to_array(:outcome, ','), cast(:activity as uuid[]),
                    cast(:conflict as uuid[]), cast(:item_code as text[]),
                    cast(:item_message as text[]))
             as u(idx, decision, outcome, activity_id, conflict_id, item_code, item_message)
        where i.job_id = :id and i.idx = u.idx""",
    binary=True,
)


def _item_outcomes(items: Sequence[JobItem]) -> dict[str, Any]:
    return {
        "idx": [i.index for i in items],
        "decision": _sparse([i.decision.value if i.decision else None for i in items]),
        # One string, not a text[]: dumping 10,000 strings one by one cost 2 ms.
        "outcome": ",".join([i.outcome.value for i in items]),
        "activity": [i.activity_id for i in items],
        "conflict": _sparse([i.conflict_activity_id for i in items]),
        "item_code": _sparse([i.error_code for i in items]),
        "item_message": _sparse([i.error_message for i in items]),
    }


# The worker's statements have one good plan whatever the job: every lookup is by the job's
# id or a participant's (one index probe each — migration 0005). Left to choose, PostgreSQL
# planned the screening and the item lookups afresh for most jobs (custom plans looked a
# little cheaper than the generic one), which cost more than running them: 0.45 ms of the
# server's 2.3 ms per 15-participant job. Transaction-local, so the API's listings, whose
# optional filters do want a plan for their values, keep choosing.
GENERIC_PLANS = sql("select set_config('plan_cache_mode', 'force_generic_plan', true)")
# ... except for the outcomes of a large batch: a generic plan cannot see how many items
# there are (it assumes a handful) and probes the primary key once per item, where a plan
# for the actual arrays hashes the job's items: 17 ms instead of 27 for 10,000 items, and
# 1.9 instead of 2.9 for 1,000. Planning it costs less than the difference from about this
# size on; below it the generic plan is as good and costs nothing to plan.
PLANNED_FOR_ITS_VALUES = sql("select set_config('plan_cache_mode', 'force_custom_plan', true)")
LARGE_BATCH = 200


# The worker's claim, as ``bulkreg_maintenance``: a queued job, or a running one whose lease
# has run out, becomes this worker's for ``lease`` seconds. Counting the attempt here, in a
# transaction that commits before the job is processed, bounds a job that kills its worker.
CLAIM = sql(
    """update bulk_jobs set status = 'running', attempts = attempts + 1,
           lease_until = now() + make_interval(secs => :lease), claim_token = :token,
           started_at = coalesce(started_at, now()), version = version + 1,
           updated_at = now()
       where id = :id and (status = 'queued' or (status = 'running' and lease_until < now()))
       returning id, attempts"""
)
# The processing transaction's identity: the claimed job's submitter, found by the server
# from the claim's token, and refused unless they may still register (migration 0009).
ACT_FOR_CLAIM = sql("select app.act_for_claim(cast(:job as uuid), cast(:token as uuid))")


def claim_params(job_id: UUID, token: UUID, lease_seconds: float) -> dict[str, Any]:
    return {"id": job_id, "token": token, "lease": lease_seconds}


def claim_from(row: Row, token: UUID) -> Claim:
    return Claim(row.id, row.attempts, token)


class SqlJobs:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def add(self, job: BulkJob, idempotency_key: str | None, request_hash: str | None) -> None:
        self.wire.later(
            sql(
                """insert into bulk_jobs (id, org_id, submitted_by, status, on_conflict, activity,
                       total, created_at, updated_at, idempotency_key, request_hash)
                   values (:id, :org, :by, :status, :on_conflict, cast(:activity as jsonb), :total,
                       :created_at, :created_at, :key, :hash)"""
            ),
            {
                "id": job.id,
                "org": job.org_id,
                "by": job.submitted_by,
                "status": job.status.value,
                "on_conflict": job.on_conflict.value,
                "activity": job.activity.model_dump_json(),
                "total": job.total,
                "created_at": job.created_at,
                "key": idempotency_key,
                "hash": request_hash,
            },
        )
        self.wire.later(
            sql(
                """insert into bulk_job_items (job_id, idx, org_id, peer_mentor_id,
                       override_duplicate)
                   select :job, u.idx, :org, u.peer_mentor_id, u.override_duplicate
                   from unnest(cast(:idx as integer[]), cast(:pm as uuid[]),
                               cast(:ovr as boolean[])) as u(idx, peer_mentor_id, override_duplicate)""",
                binary=True,
            ),
            {
                "job": job.id,
                "org": job.org_id,
                "idx": [i.index for i in job.items],
                "pm": [i.peer_mentor_id for i in job.items],
                "ovr": [i.override_duplicate for i in job.items],
            },
        )

    def get(self, job_id: UUID, *, with_items: bool = True) -> BulkJob | None:
        return self._select(job_id, with_items=with_items, lock="")

    def lock(self, job_id: UUID) -> BulkJob | None:
        return self._select(job_id, with_items=True, lock="for update")

    def lock_claimed(self, job_id: UUID, token: UUID) -> tuple[BulkJob, Screening | None] | None:
        """The job for processing, locked, with its items and the screening of all its
        participants, in one round trip: each statement runs after the lock is taken. The
        items' old conflicts are recomputed, so not loaded.

        The rest of the processing transaction runs on generic plans (see
        ``GENERIC_PLANS``)."""
        _, found, items, screened = self.wire.each(
            (GENERIC_PLANS, None),
            (
                sql(
                    f"""select {JOB_COLUMNS} from bulk_jobs j
                        where j.id = :id and j.status = 'running' and j.claim_token = :token
                        for update"""
                ),
                {"id": job_id, "token": token},
            ),
            (
                sql(
                    """select idx, peer_mentor_id, override_duplicate, decision
                       from bulk_job_items where job_id = :job order by idx"""
                ),
                {"job": job_id},
            ),
            (SCREEN_JOB, {"job": job_id}),
        )
        if not found:
            return None
        job = _job(
            found[0],
            [
                JobItem(idx, pm, override, Decision(decision) if decision else None)
                for idx, pm, override, decision in items
            ],
        )
        return job, _screening(screened)

    def _select(self, job_id: UUID, *, with_items: bool, lock: str) -> BulkJob | None:
        """The job and, in the same round trip, its items."""
        job = (
            sql(f"select {JOB_COLUMNS} from bulk_jobs j where j.id = :id {lock}"),
            {"id": job_id},
        )
        if not with_items:
            row = self.wire.first(*job)
            return _job(row) if row else None
        found, items = self.wire.each(job, (ITEMS, {"job": job_id}))
        return _job(found[0], [_item(r) for r in items]) if found else None

    def version(self, job_id: UUID) -> tuple[int, JobStatus] | None:
        row = self.wire.first(
            sql("select version, status from bulk_jobs where id = :id"), {"id": job_id}
        )
        return (row.version, JobStatus(row.status)) if row else None

    def save(self, job: BulkJob, *, items: bool) -> None:
        """Written with the next round trip (at the latest, the commit), job and items in
        one statement. The job is locked by this transaction (``lock``, ``lock_claimed``),
        so its new version is known."""
        params: dict[str, Any] = {
            "id": job.id,
            "status": job.status.value,
            "finished_at": job.finished_at,
            "error_code": job.error_code,
            "error_message": job.error_message,
            "running": job.status is JobStatus.RUNNING,
        }
        if items and job.items:
            if len(job.items) >= LARGE_BATCH:
                self.wire.later(PLANNED_FOR_ITS_VALUES)
            self.wire.later(SAVE_JOB_AND_ITEMS, params | _item_outcomes(job.items))
        else:
            self.wire.later(SAVE_JOB, params)
        job.version += 1

    def page(
        self, org_id: UUID, status: JobStatus | None, cursor: str | None, limit: int
    ) -> Page[BulkJob]:
        after = cursors.decode(cursor) if cursor else None
        rows = self.wire.rows(
            sql(
                f"""select {JOB_COLUMNS},
                       (select coalesce(jsonb_object_agg(outcome, n), '{{}}')
                        from (select outcome, count(*) as n from bulk_job_items i
                              where i.job_id = j.id group by outcome) c) as outcome_counts
                    from bulk_jobs j
                    where j.org_id = :org
                      and (cast(:status as text) is null or j.status = :status)
                      and (cast(:after_at as timestamptz) is null
                           or (j.created_at, j.id) < (:after_at, :after_id))
                    order by j.created_at desc, j.id desc limit :limit"""
            ),
            {
                "org": org_id,
                "status": status.value if status else None,
                "after_at": after[0] if after else None,
                "after_id": after[1] if after else None,
                "limit": limit + 1,
            },
        )
        jobs = []
        for row in rows[:limit]:
            job = _job(row)
            job.outcome_counts = dict(row.outcome_counts)
            jobs.append(job)
        more = len(rows) > limit
        return Page(jobs, cursors.encode(jobs[-1].created_at, jobs[-1].id) if more else None)

    def reserve_idempotency_key(
        self, user_id: UUID, key: str
    ) -> tuple[bool, tuple[BulkJob, str] | None]:
        """The lookup runs after the lock is taken (in order, in one round trip), so it sees
        whatever a previous holder of the key committed."""
        (lock,), found = self.wire.each(
            (
                sql("select pg_try_advisory_xact_lock(hashtextextended(:k, 0)) as taken"),
                {"k": f"idempotency:{user_id}:{key}"},
            ),
            (
                sql(
                    f"""select {JOB_COLUMNS}, j.request_hash from bulk_jobs j
                        where j.submitted_by = :by and j.idempotency_key = :key"""
                ),
                {"by": user_id, "key": key},
            ),
        )
        return lock.taken, ((_job(found[0]), found[0].request_hash) if found else None)


class SqlMaintenanceJobs:
    """Job bookkeeping across organizations, as ``bulkreg_maintenance``."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def lease_remaining(self, job_id: UUID) -> float | None:
        """Seconds left on another worker's live lease, or None if the job is not leased."""
        row = self.wire.first(
            sql(
                """select extract(epoch from lease_until - now()) as left_s from bulk_jobs
                   where id = :id and status = 'running' and lease_until >= now()"""
            ),
            {"id": job_id},
        )
        return float(row.left_s) if row else None

    def release(self, job_id: UUID, token: UUID) -> bool:
        result = self.wire.count(
            sql(
                """update bulk_jobs set status = 'queued', lease_until = null, claim_token = null,
                       version = version + 1, updated_at = now()
                   where id = :id and status = 'running' and claim_token = :token"""
            ),
            {"id": job_id, "token": token},
        )
        return result == 1

    def fail(self, job_id: UUID, code: str, message: str, token: UUID | None = None) -> bool:
        result = self.wire.count(
            sql(
                """update bulk_jobs set status = 'failed', error_code = :code,
                       error_message = :message, finished_at = now(), lease_until = null,
                       claim_token = null, version = version + 1, updated_at = now()
                   where id = :id and status in ('queued', 'running')
                     and (cast(:token as uuid) is null or claim_token = :token)"""
            ),
            {"id": job_id, "code": code, "message": message, "token": token},
        )
        return result == 1

    def stale_queued(self, older_than_seconds: float, limit: int) -> list[UUID]:
        rows = self.wire.rows(
            sql(
                """select id from bulk_jobs
                   where status = 'queued' and updated_at < now() - make_interval(secs => :age)
                   order by updated_at limit :limit"""
            ),
            {"age": older_than_seconds, "limit": limit},
        )
        return [r.id for r in rows]

    def try_lock(self, name: str) -> bool:
        """A transaction-scoped advisory lock: one sweeper / reconciler at a time."""
        row = self.wire.first(
            sql("select pg_try_advisory_xact_lock(hashtextextended(:name, 0)) as locked"),
            {"name": name},
        )
        return bool(row and row.locked)

    def record_anomalies(self) -> int:
        """Find orphaned and missing records and record each anomaly once (a dismissed one
        with the same records is not raised again)."""
        result = self.wire.count(
            sql(
                """with found as (
                       select a.bulk_job_id, j.org_id, 'orphaned_records' as kind,
                              array_agg(a.id order by a.id) as activity_ids
                       from activities a join bulk_jobs j on j.id = a.bulk_job_id
                       where j.status <> 'succeeded' and a.deleted_at is null
                       group by a.bulk_job_id, j.org_id
                       union all
                       select j.id, j.org_id, 'missing_records',
                              array_agg(i.activity_id order by i.activity_id)
                       from bulk_jobs j
                       join bulk_job_items i on i.job_id = j.id
                       left join activities a on a.id = i.activity_id and a.deleted_at is null
                       where j.status = 'succeeded' and i.outcome in ('registered', 'overridden')
                         and a.id is null
                       group by j.id, j.org_id)
                   insert into anomalies (id, org_id, kind, bulk_job_id, activity_ids)
                   select gen_random_uuid(), f.org_id, f.kind, f.bulk_job_id, f.activity_ids
                   from found f
                   where not exists (select 1 from anomalies x
                                     where x.bulk_job_id = f.bulk_job_id and x.kind = f.kind
                                       and (x.resolved_at is null
                                            or x.activity_ids = f.activity_ids))
                   on conflict do nothing"""
            )
        )
        return result

    def requeue_expired(self) -> list[UUID]:
        rows = self.wire.rows(
            sql(
                """update bulk_jobs set status = 'queued', lease_until = null, claim_token = null,
                       version = version + 1, updated_at = now()
                   where status = 'running' and lease_until < now() returning id"""
            )
        )
        return [r.id for r in rows]


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


def _screening(rows: list[Row]) -> Screening:
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
        return _screening(self.wire.rows(SCREEN_PARTICIPANTS, params))

    def add_many(self, activities: Sequence[NewActivity]) -> None:
        """All rows of one call share the activity, registrar, source and job (one draft),
        so only the per-participant columns travel as arrays. Written with the next round
        trip: a failure (a concurrent duplicate) surfaces there, at the latest at commit."""
        first = activities[0]
        shared = (
            first.org_id, first.activity_type, first.occurred_on, first.duration_minutes,
            first.notes, first.registered_by, first.source, first.bulk_job_id,
        )  # fmt: skip
        assert all(
            (a.org_id, a.activity_type, a.occurred_on, a.duration_minutes, a.notes,
             a.registered_by, a.source, a.bulk_job_id) == shared
            for a in activities
        ), "add_many takes the rows of one draft"  # fmt: skip
        self.wire.later(
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
                "dup": _sparse([a.duplicate_of for a in activities]),
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

    def get(self, activity_id: UUID) -> Activity | None:
        row = self.wire.first(
            sql(
                f"select {ACTIVITY_COLUMNS} from activities a "
                "where a.id = :id and a.deleted_at is null"
            ),
            {"id": activity_id},
        )
        return _activity(row) if row else None

    def page(self, flt: ActivityFilter, cursor: str | None, limit: int) -> Page[Activity]:
        after = cursors.decode(cursor) if cursor else None
        rows = self.wire.rows(
            sql(
                f"""select {ACTIVITY_COLUMNS} from activities a
                    where a.deleted_at is null
                      and (cast(:pm as uuid) is null or a.peer_mentor_id = :pm)
                      and (cast(:job as uuid) is null or a.bulk_job_id = :job)
                      and (cast(:by as uuid) is null or a.registered_by = :by)
                      and (cast(:after_at as timestamptz) is null
                           or (a.created_at, a.id) < (:after_at, :after_id))
                    order by a.created_at desc, a.id desc limit :limit"""
            ),
            {
                "pm": flt.peer_mentor_id,
                "job": flt.bulk_job_id,
                "by": flt.registered_by,
                "after_at": after[0] if after else None,
                "after_id": after[1] if after else None,
                "limit": limit + 1,
            },
        )
        items = [_activity(r) for r in rows[:limit]]
        more = len(rows) > limit
        return Page(items, cursors.encode(items[-1].created_at, items[-1].id) if more else None)


ANOMALY_COLUMNS = """id, org_id, kind, bulk_job_id, activity_ids, detected_at, resolved_at,
    resolution"""


def _anomaly(r: Row) -> Anomaly:
    return Anomaly(
        r.id, r.org_id, AnomalyKind(r.kind), r.bulk_job_id, list(r.activity_ids), r.detected_at,
        r.resolved_at, AnomalyAction(r.resolution) if r.resolution else None,
    )  # fmt: skip


class SqlAnomalies:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def for_job(self, job_id: UUID) -> list[Anomaly]:
        rows = self.wire.rows(
            sql(
                f"select {ANOMALY_COLUMNS} from anomalies where bulk_job_id = :job order by detected_at"
            ),
            {"job": job_id},
        )
        return [_anomaly(r) for r in rows]

    def listing(self, resolved: bool | None) -> list[Anomaly]:
        rows = self.wire.rows(
            sql(
                f"""select {ANOMALY_COLUMNS} from anomalies
                    where cast(:resolved as boolean) is null
                       or (resolved_at is not null) = :resolved
                    order by detected_at desc limit 500"""
            ),
            {"resolved": resolved},
        )
        return [_anomaly(r) for r in rows]

    def lock(self, anomaly_id: UUID) -> Anomaly | None:
        row = self.wire.first(
            sql(f"select {ANOMALY_COLUMNS} from anomalies where id = :id for update"),
            {"id": anomaly_id},
        )
        return _anomaly(row) if row else None

    def resolve(self, anomaly: Anomaly, by: UUID, reason: str) -> None:
        self.wire.later(
            sql(
                """update anomalies set resolved_at = :at, resolved_by = :by,
                       resolution = :resolution, reason = :reason
                   where id = :id"""
            ),
            {
                "id": anomaly.id,
                "at": anomaly.resolved_at,
                "by": by,
                "resolution": anomaly.resolution.value if anomaly.resolution else None,
                "reason": reason,
            },
        )


class SqlAudit:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def record(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        self.wire.later(
            sql(
                """insert into audit_log (org_id, actor_id, action, target, details)
                   select * from unnest(cast(:org as uuid[]), cast(:actor as uuid[]),
                                        cast(:action as text[]), cast(:target as text[]),
                                        cast(:details as jsonb[]))"""
            ),
            {
                "org": [e.org_id for e in entries],
                "actor": [e.actor_id for e in entries],
                "action": [e.action for e in entries],
                "target": [e.target for e in entries],
                "details": [json.dumps(e.details) for e in entries],
            },
        )
