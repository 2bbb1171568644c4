"""Every statement that changes a bulk job's status, each declared with the edges of the
state machine it performs.

The state machine is ``domain.jobs.TRANSITIONS``, and the model's methods refuse any other
move; but a claim, a release or a sweep sets ``status`` in SQL without the model, and those
statements used to live in the repositories, none of them consulting the table. Here each
is a ``Transition``: the statuses it moves a job from, the one it moves it to, and its SQL,
written from the same ``JobStatus`` values. ``tests/unit/test_lifecycle.py`` reads the SQL
of every statement here, refuses one that is not an edge of ``TRANSITIONS`` or disagrees
with its declaration, and refuses a status-changing statement anywhere else in
``persistence/``.

Statuses are SQL literals rendered from ``JobStatus`` members, never from input: a literal
lets the planner match the partial index of unfinished jobs (``bulk_jobs_unfinished``),
which a bound status would hide from a generic plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.jobs import INITIAL, TRANSITIONS
from domain.model import JobStatus
from persistence.wire import Sql, sql

QUEUED, RUNNING, FAILED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED
UNDONE = JobStatus.UNDONE

# Every change of a job row bumps its version (the poll's ETag) and its update time.
NEXT_VERSION = "version = version + 1, updated_at = now()"


def literal(status: JobStatus) -> str:
    """A status as an SQL literal: ``JobStatus(...)`` admits only its own words."""
    return f"'{JobStatus(status).value}'"


def one_of(statuses: Iterable[JobStatus]) -> str:
    return f"status in ({', '.join(literal(s) for s in sorted(statuses))})"


def sources_of(target: JobStatus) -> frozenset[JobStatus]:
    """The statuses from which ``TRANSITIONS`` lets a job become ``target``."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


@dataclass(frozen=True)
class Transition:
    """One statement that moves a job along the state machine.

    ``sources`` are the statuses it moves a job from (none: it creates the job), ``target``
    the status it sets. ``keeps`` are statuses it also matches without changing them: the
    claim takes over a running job whose worker is gone, a change of hands, not of status."""

    name: str
    sources: frozenset[JobStatus]
    target: JobStatus
    statement: Sql
    keeps: frozenset[JobStatus] = frozenset()

    @property
    def edges(self) -> frozenset[tuple[JobStatus, JobStatus]]:
        return frozenset((source, self.target) for source in self.sources)


SUBMIT = Transition(
    "submit",
    frozenset(),
    INITIAL,
    sql(
        f"""insert into bulk_jobs (id, org_id, submitted_by, status, on_conflict, activity,
               total, created_at, updated_at, idempotency_key, request_hash)
           values (:id, :org, :by, {literal(INITIAL)}, :on_conflict, cast(:activity as jsonb),
               :total, :created_at, :created_at, :key, :hash)"""
    ),
)

# A worker holds its job's row locked (``FOR UPDATE``) from the claim's round trip to its
# commit: that lock, not the lease, says the worker is alive. A job being processed is never
# taken from a live worker however long it runs, and a job whose worker died (its backend's
# transaction gone with it) is free again within seconds — once its claim is ABANDONED_AFTER
# old, or at once when its lease has run out.
ABANDONED_AFTER_SECONDS = 5
ABANDONED = f"""(lease_until < now()
                 or updated_at < now() - make_interval(secs => {ABANDONED_AFTER_SECONDS}))"""
TAKEABLE = f"(status = {literal(QUEUED)} or (status = {literal(RUNNING)} and {ABANDONED}))"

# The worker's claim, as ``bulkreg_maintenance``: a takeable job becomes this worker's for
# ``lease`` seconds. Counting the attempt here, in a transaction that commits before the job
# is processed, bounds a job that kills its worker. Claiming again with the same token is a
# no-op that answers the same claim: a round trip re-sent after its connection dropped (the
# first send may have reached the server and committed) finds its own claim, uncounted.
#
# The job named (``:id``, the message's) is a hint for small jobs: the claim takes the fair
# one among every queued small job — that of the organization served least recently
# (``organizations.jobs_served_at``, which the claim sets), the named job first within it,
# then the oldest — so organizations take turns whatever order the broker delivers in, and a
# burst of one organization never makes another's job wait for all of it. The claimed job's
# id is the answer, with whether the named job still waits: its message then claims again
# (``domain.services.processing.process``), so no job is left without a message.
# Each waiting organization's turn is read once per claim (``turns``), not once per waiting
# job: behind a burst of hundreds, a call per job was most of the claim's cost.
#
# A large job (over ``:large`` participants) is taken only as named, and only while its
# organization has fewer than ``:max_large`` large jobs running: one organization cannot
# hold every large-job slot. The others stay queued, uncounted, and their messages come back
# for their turn.
CLAIM = Transition(
    "claim",
    frozenset({QUEUED}),
    RUNNING,
    sql(
        f"""with claimed as (
           update bulk_jobs set status = {literal(RUNNING)},
               attempts = attempts + (claim_token is distinct from :token)::int,
               lease_until = now() + make_interval(secs => :lease), claim_token = :token,
               started_at = coalesce(started_at, now()), {NEXT_VERSION}
           where id = (with turns as materialized (
                           select org_id, app.served_at(org_id) as served_at
                           from (select org_id from bulk_jobs
                                 where status = {literal(QUEUED)}
                                 union
                                 select org_id from bulk_jobs where id = :id) as waiting)
                       select j.id from bulk_jobs j
                       join turns t on t.org_id = j.org_id
                       where (j.id = :id
                              and ({TAKEABLE}
                                   or (status = {literal(RUNNING)} and claim_token = :token))
                              and (j.total <= :large
                                   or (select count(*) from bulk_jobs r
                                       where r.org_id = j.org_id
                                         and r.status = {literal(RUNNING)}
                                         and r.total > :large and r.id <> j.id) < :max_large))
                          or (j.status = {literal(QUEUED)} and j.total <= :large
                              and exists (select from bulk_jobs h
                                          where h.id = :id and h.total <= :large))
                       order by j.claim_token is not distinct from cast(:token as uuid) desc,
                                t.served_at nulls first,
                                j.id = :id desc, j.created_at
                       limit 1
                       for update of j skip locked)
           returning id, attempts, org_id),
         turn as (select app.serve(org_id) from claimed)
         select id, attempts,
                id <> :id and exists (select from bulk_jobs n
                                      where n.id = :id and n.status = {literal(QUEUED)})
                    as named_waiting
         from claimed, turn"""
    ),
    keeps=frozenset({RUNNING}),
)

# A released or expired claim: the job waits for the next worker.
BACK_TO_THE_QUEUE = (
    f"status = {literal(QUEUED)}, lease_until = null, claim_token = null, {NEXT_VERSION}"
)

RELEASE = Transition(
    "release",
    frozenset({RUNNING}),
    QUEUED,
    sql(
        f"""update bulk_jobs set {BACK_TO_THE_QUEUE}
            where id = :id and status = {literal(RUNNING)} and claim_token = :token"""
    ),
)

FAIL = Transition(
    "fail",
    frozenset({QUEUED, RUNNING}),
    FAILED,
    sql(
        f"""update bulk_jobs set status = {literal(FAILED)}, error_code = :code,
               error_message = :message, finished_at = now(), lease_until = null,
               claim_token = null, {NEXT_VERSION}
           where id = :id and {one_of({QUEUED, RUNNING})}
             and (cast(:token as uuid) is null or claim_token = :token)"""
    ),
)

# The sweeper's: running jobs no live worker holds (their row is not locked) whose lease ran
# out or whose claim was abandoned.
REQUEUE_ABANDONED = Transition(
    "requeue_abandoned",
    frozenset({RUNNING}),
    QUEUED,
    sql(
        f"""update bulk_jobs set {BACK_TO_THE_QUEUE}
            where id in (select id from bulk_jobs
                         where status = {literal(RUNNING)} and {ABANDONED}
                         for update skip locked)
            returning id, total"""
    ),
)

# A batch's outcomes, as arrays expanded on the server (``SqlJobs.save`` builds them).
ITEM_OUTCOMES = """update bulk_job_items i set peer_mentor_id = u.pm,
            display_name = nullif(u.name, ''), decision = u.decision,
            outcome = u.outcome, activity_id = u.activity_id, conflict_activity_id = u.conflict_id,
            error_code = u.item_code, error_message = u.item_message
        from unnest(cast(:idx as integer[]), cast(:pm as uuid[]),
                    string_to_array(:names, chr(30)), cast(:decision as text[]),
                    string_to_array(:outcome, ','), cast(:activity as uuid[]),
                    cast(:conflict as uuid[]), cast(:item_code as text[]),
                    cast(:item_message as text[]))
             as u(idx, pm, name, decision, outcome, activity_id, conflict_id, item_code,
                  item_message)
        where i.job_id = :id and i.idx = u.idx"""


def _save(target: JobStatus, *, items: bool) -> Transition:
    """The save of a job the model moved to ``target``, from the statuses that may become it.

    The save travels with the next round trip (the commit, usually), so its row count is never
    read: when the update matched nothing — a save off the state machine — the statement's
    last part raises instead (``app.job_cannot_become``: the state machine's refusal, as
    the database's own guard raises it), and the transaction rolls back. The job is locked before it is saved, so in use this never
    happens."""
    # A running job keeps its claim; a job leaving ``running`` lets it go.
    claim = "" if target is RUNNING else "lease_until = null, claim_token = null, "
    # An undo says who took the job back, when and why (``BulkJob.undo``).
    undo = (
        "undone_at = :undone_at, undone_by = :undone_by, undo_reason = :undo_reason, "
        if target is UNDONE
        else ""
    )
    update = f"""update bulk_jobs set status = {literal(target)}, finished_at = :finished_at,
            error_code = :error_code, error_message = :error_message,
            {undo}{claim}{NEXT_VERSION}
        where id = :id and {one_of(sources_of(target))}
        returning id"""
    outcomes = f", outcomes as ({ITEM_OUTCOMES})" if items else ""
    refusal = f"""select app.job_cannot_become(:id, {literal(target)})
        where not exists (select from job)"""
    return Transition(
        f"save_with_items_as_{target}" if items else f"save_as_{target}",
        sources_of(target),
        target,
        sql(f"with job as ({update}){outcomes}\n{refusal}", binary=items),
    )


SAVE = {target: _save(target, items=False) for target in JobStatus if sources_of(target)}
SAVE_WITH_ITEMS = {target: _save(target, items=True) for target in SAVE}

ALL: tuple[Transition, ...] = (
    SUBMIT,
    CLAIM,
    RELEASE,
    FAIL,
    REQUEUE_ABANDONED,
    *SAVE.values(),
    *SAVE_WITH_ITEMS.values(),
)
