"""Bulk jobs and their items, as the API and the processing transaction see them.

The statements that change a job's status (its insert, its save) live in
``persistence.lifecycle``, declared with the edges of the state machine they perform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.errors import InvalidState
from domain.jobs import INITIAL, BulkJob
from domain.model import (
    ActivityDraft,
    Decision,
    ExistingActivity,
    Given,
    JobItem,
    JobStatus,
    KeyKind,
    OnConflict,
    Outcome,
)
from domain.ports.activities import Screening
from domain.ports.common import Page
from persistence import cursors
from persistence.lifecycle import SAVE, SAVE_WITH_ITEMS, SUBMIT
from persistence.repositories.screening import SCREEN_JOB, job_screening_from_rows
from persistence.repositories.shared import JOB_COLUMNS, Row, keyset_page, sparse
from persistence.wire import Wire, sql


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
        undone_at=row.undone_at,
        undone_by=row.undone_by,
        undo_reason=row.undo_reason,
        items=items or [],
    )


ITEMS = sql(
    """select i.idx, i.given_kind, i.given_value, i.peer_mentor_id, i.display_name,
              i.override_duplicate, i.decision, i.outcome,
              i.activity_id, i.conflict_activity_id, i.error_code, i.error_message,
              a.peer_mentor_id as c_pm, a.registered_by as c_by, a.activity_type as c_type,
              a.occurred_on as c_on, a.created_at as c_at, a.duration_minutes as c_minutes,
              a.notes as c_notes, a.source as c_source, a.bulk_job_id as c_job
       from bulk_job_items i
       left join activities a on a.id = i.conflict_activity_id
       where i.job_id = :job order by i.idx"""
)


def _summary(row: Row) -> BulkJob:
    """A job of a listing: no items, their counts by outcome."""
    job = _job(row)
    job.outcome_counts = dict(row.outcome_counts)
    return job


def _conflict(r: Row) -> ExistingActivity:
    return ExistingActivity(
        r.conflict_activity_id,
        r.c_pm,
        r.c_by,
        r.c_type,
        r.c_on,
        r.c_at,
        r.c_minutes,
        r.c_notes,
        r.c_source,
        r.c_job,
    )


def _item(r: Row) -> JobItem:
    return JobItem(
        index=r.idx,
        given=Given(KeyKind(r.given_kind), r.given_value),
        peer_mentor_id=r.peer_mentor_id,
        display_name=r.display_name,
        override_duplicate=r.override_duplicate,
        decision=Decision(r.decision) if r.decision else None,
        outcome=Outcome(r.outcome),
        activity_id=r.activity_id,
        conflict=_conflict(r) if r.conflict_activity_id and r.c_pm else None,
        error_code=r.error_code,
        error_message=r.error_message,
    )


SEPARATOR = "\x1e"


def _item_outcomes(items: Sequence[JobItem]) -> dict[str, Any]:
    return {
        "idx": [i.index for i in items],
        "pm": sparse([i.peer_mentor_id for i in items]),
        # One string too, the names separated by the record separator (which no name keeps).
        "names": SEPARATOR.join((i.display_name or "").replace(SEPARATOR, " ") for i in items)
        if any(i.display_name for i in items)
        else None,
        "decision": sparse([i.decision.value if i.decision else None for i in items]),
        # One string, not a text[]: psycopg dumps the array's strings one by one.
        "outcome": ",".join([i.outcome.value for i in items]),
        "activity": [i.activity_id for i in items],
        "conflict": sparse([i.conflict_activity_id for i in items]),
        "item_code": sparse([i.error_code for i in items]),
        "item_message": sparse([i.error_message for i in items]),
    }


# The worker's statements have one good plan whatever the job: every lookup is by the job's
# id or a participant's (one index probe each). Left to choose, PostgreSQL
# planned the screening and the item lookups afresh for most jobs (custom plans looked a
# little cheaper than the generic one), which cost more than running them (README,
# "Performance"). Transaction-local, so the API's listings, whose optional filters do want
# a plan for their values, keep choosing.
GENERIC_PLANS = sql("select set_config('plan_cache_mode', 'force_generic_plan', true)")
# ... except for the outcomes of a large batch: a generic plan cannot see how many items
# there are (it assumes a handful) and probes the primary key once per item, where a plan
# for the actual arrays hashes the job's items. Planning it costs less than the difference
# from about this size on; below it the generic plan is as good and costs nothing to plan.
PLANNED_FOR_ITS_VALUES = sql("select set_config('plan_cache_mode', 'force_custom_plan', true)")
LARGE_BATCH = 200


class SqlJobs:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def add(self, job: BulkJob, idempotency_key: str | None, request_hash: str | None) -> None:
        """The job is written as submitted (``INITIAL``): a job born in any other status
        would have skipped the state machine."""
        if job.status is not INITIAL:
            raise InvalidState(f"a new job is {INITIAL}, not {job.status}")
        self.wire.queue(
            SUBMIT.statement,
            {
                "id": job.id,
                "org": job.org_id,
                "by": job.submitted_by,
                "on_conflict": job.on_conflict.value,
                "activity": job.activity.model_dump_json(),
                "total": job.total,
                "created_at": job.created_at,
                "key": idempotency_key,
                "hash": request_hash,
            },
        )
        self.wire.queue(
            sql(
                """insert into bulk_job_items (job_id, idx, org_id, given_kind, given_value,
                       given_key, override_duplicate)
                   select :job, u.idx, :org, coalesce(u.kind, 'peer_mentor_id'), u.value,
                          -- what the worker compares: an email as users.email_key has it
                          case when u.kind = 'email'
                               then lower(u.value collate pg_catalog.pg_unicode_fast)
                               else u.value end,
                          u.override_duplicate
                   from unnest(cast(:idx as integer[]), cast(:kind as text[]),
                               cast(:value as text[]), cast(:ovr as boolean[]))
                        as u(idx, kind, value, override_duplicate)""",
                binary=True,
            ),
            {
                "job": job.id,
                "org": job.org_id,
                "idx": [i.index for i in job.items],
                # Most jobs name everyone by id: that column then travels as one NULL.
                "kind": sparse(
                    [
                        None if i.given.kind is KeyKind.PEER_MENTOR_ID else i.given.kind.value
                        for i in job.items
                    ]
                ),
                "value": [i.given.value for i in job.items],
                "ovr": [i.override_duplicate for i in job.items],
            },
        )

    def get(self, job_id: UUID) -> BulkJob | None:
        return self._select(job_id, lock="")

    def lock(self, job_id: UUID) -> BulkJob | None:
        return self._select(job_id, lock="for update")

    def lock_claimed(self, job_id: UUID, token: UUID) -> tuple[BulkJob, Screening | None] | None:
        """The job for processing, locked, with its items and the screening of all its
        participants, in one round trip: each statement runs after the lock is taken. The
        items' old conflicts are recomputed, so not loaded.

        The rest of the processing transaction runs on generic plans (see
        ``GENERIC_PLANS``)."""
        _, found, screened = self.wire.round_trip(
            (GENERIC_PLANS, None),
            (
                sql(
                    f"""select {JOB_COLUMNS} from bulk_jobs j
                        where j.id = :id and j.status = 'running' and j.claim_token = :token
                        for update"""
                ),
                {"id": job_id, "token": token},
            ),
            (SCREEN_JOB, {"job": job_id}),
        )
        if not found:
            return None
        job = _job(
            found[0],
            [
                JobItem(
                    r.idx,
                    Given(KeyKind(r.given_kind), r.given_value),
                    override_duplicate=r.override_duplicate,
                    decision=Decision(r.decision) if r.decision else None,
                )
                for r in screened
            ],
        )
        return job, job_screening_from_rows(screened)

    def _select(self, job_id: UUID, *, lock: str) -> BulkJob | None:
        """The job and, in the same round trip, its items."""
        job = (
            sql(f"select {JOB_COLUMNS} from bulk_jobs j where j.id = :id {lock}"),
            {"id": job_id},
        )
        found, items = self.wire.round_trip(job, (ITEMS, {"job": job_id}))
        return _job(found[0], [_item(r) for r in items]) if found else None

    def version(self, job_id: UUID) -> tuple[int, JobStatus] | None:
        row = self.wire.first(
            sql("select version, status from bulk_jobs where id = :id"), {"id": job_id}
        )
        return (row.version, JobStatus(row.status)) if row else None

    def save(self, job: BulkJob, *, items: bool) -> None:
        """Written with the next round trip (at the latest, the commit), job and items in
        one statement. The job is locked by this transaction (``lock``, ``lock_claimed``),
        so its new version is known.

        The statement for the job's new status updates it only from a status that may
        become it (``TRANSITIONS``); a save off the state machine changes nothing and fails
        the transaction (see ``persistence.lifecycle``)."""
        params: dict[str, Any] = {
            "id": job.id,
            "finished_at": job.finished_at,
            "error_code": job.error_code,
            "error_message": job.error_message,
        }
        if job.status is JobStatus.UNDONE:
            params |= {
                "undone_at": job.undone_at,
                "undone_by": job.undone_by,
                "undo_reason": job.undo_reason,
            }
        if items and job.items:
            if len(job.items) >= LARGE_BATCH:
                self.wire.queue(PLANNED_FOR_ITS_VALUES)
            self.wire.queue(
                SAVE_WITH_ITEMS[job.status].statement, params | _item_outcomes(job.items)
            )
        else:
            self.wire.queue(SAVE[job.status].statement, params)
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
        return keyset_page(rows, limit, _summary, lambda j: cursors.encode(j.created_at, j.id))

    def summaries(self, job_ids: Sequence[UUID]) -> dict[UUID, BulkJob]:
        """These jobs without their items (what a listing shows), in one statement."""
        rows = self.wire.rows(
            sql(f"select {JOB_COLUMNS} from bulk_jobs j where j.id = any(cast(:ids as uuid[]))"),
            {"ids": list(job_ids)},
        )
        return {r.id: _job(r) for r in rows}

    def reserve_idempotency_key(
        self, user_id: UUID, key: str
    ) -> tuple[bool, tuple[BulkJob, str] | None]:
        """The lookup runs after the lock is taken (in order, in one round trip), so it sees
        whatever a previous holder of the key committed."""
        (lock,), found = self.wire.round_trip(
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
