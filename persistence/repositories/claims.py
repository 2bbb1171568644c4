"""Claims and job bookkeeping across organizations, as ``bulkreg_maintenance``: the claim
that makes a job one worker's, releasing and failing it, the sweeper's finds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.ports import Claim, Sendable
from persistence.repositories.anomalies import RECORD_ANOMALIES
from persistence.repositories.attribution import RECORD_MISATTRIBUTED
from persistence.repositories.shared import NEXT_VERSION, Row
from persistence.wire import Wire, sql

# A released or expired claim: the job waits for the next worker.
BACK_TO_THE_QUEUE = f"status = 'queued', lease_until = null, claim_token = null, {NEXT_VERSION}"

# A worker holds its job's row locked (``FOR UPDATE``) from the claim's round trip to its
# commit: that lock, not the lease, says the worker is alive. A job being processed is never
# taken from a live worker however long it runs, and a job whose worker died (its backend's
# transaction gone with it) is free again within seconds — once its claim is ABANDONED_AFTER
# old, or at once when its lease has run out.
ABANDONED_AFTER_SECONDS = 5
TAKEABLE = f"""(status = 'queued'
               or (status = 'running'
                   and (lease_until < now()
                        or updated_at < now() - make_interval(secs => {ABANDONED_AFTER_SECONDS}))))"""

# The worker's claim, as ``bulkreg_maintenance``: a takeable job becomes this worker's for
# ``lease`` seconds. Counting the attempt here, in a transaction that commits before the job
# is processed, bounds a job that kills its worker. Claiming again with the same token is a
# no-op that answers the same claim: a round trip re-sent after its connection dropped (the
# first send may have reached the server and committed) finds its own claim, uncounted.
#
# A large job (over ``:large`` participants) is taken only while its organization has fewer
# than ``:max_large`` large jobs running: one organization cannot hold every large-job slot.
# The others stay queued, uncounted, and their messages come back for their turn.
CLAIM = sql(
    f"""update bulk_jobs set status = 'running',
           attempts = attempts + (claim_token is distinct from :token)::int,
           lease_until = now() + make_interval(secs => :lease), claim_token = :token,
           started_at = coalesce(started_at, now()), {NEXT_VERSION}
       where id = (select j.id from bulk_jobs j
                   where j.id = :id
                     and ({TAKEABLE} or (status = 'running' and claim_token = :token))
                     and (j.total <= :large
                          or (select count(*) from bulk_jobs r
                              where r.org_id = j.org_id and r.status = 'running'
                                and r.total > :large and r.id <> j.id) < :max_large)
                   for update of j skip locked)
       returning id, attempts"""
)
# Sent in the claim's transaction, before the claim: the claims of one organization's large
# jobs take turns, so two workers cannot both see the last slot free. (Read committed: the
# claim, a later statement, sees what the previous holder committed.)
ORG_TURN = sql(
    """select pg_advisory_xact_lock(hashtextextended('bulkreg.large-jobs:' || org_id::text, 0))
       from bulk_jobs where id = :id and total > :large"""
)
# The processing transaction's identity: the claimed job's submitter, found by the server
# from the claim's token, and refused unless they may still register (migration 0009) —
# asked for only when the claim is running (0011): "nothing to take" sets no identity, so
# the statements behind it see nothing, and it is no error.
ACT_FOR_CLAIM = sql(
    """select app.act_for_claim(cast(:job as uuid), cast(:token as uuid))
       where app.claim_is_running(cast(:job as uuid), cast(:token as uuid))"""
)


@dataclass(frozen=True)
class LargeJobs:
    """Which jobs are large (``BULKREG_LARGE_JOB_PARTICIPANTS``), and how many of one
    organization's may run at once (``BULKREG_MAX_RUNNING_LARGE_PER_ORG``)."""

    participants: int = 1_000
    per_org: int = 1


def claim_params(
    job_id: UUID, token: UUID, lease_seconds: float, large: LargeJobs
) -> dict[str, Any]:
    return {
        "id": job_id,
        "token": token,
        "lease": lease_seconds,
        "large": large.participants,
        "max_large": large.per_org,
    }


def claim_from(row: Row, token: UUID) -> Claim:
    return Claim(row.id, row.attempts, token)


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
                f"""update bulk_jobs set {BACK_TO_THE_QUEUE}
                    where id = :id and status = 'running' and claim_token = :token"""
            ),
            {"id": job_id, "token": token},
        )
        return result == 1

    def fail(self, job_id: UUID, code: str, message: str, token: UUID | None = None) -> bool:
        result = self.wire.count(
            sql(
                f"""update bulk_jobs set status = 'failed', error_code = :code,
                       error_message = :message, finished_at = now(), lease_until = null,
                       claim_token = null, {NEXT_VERSION}
                   where id = :id and status in ('queued', 'running')
                     and (cast(:token as uuid) is null or claim_token = :token)"""
            ),
            {"id": job_id, "code": code, "message": message, "token": token},
        )
        return result == 1

    def stale_queued(self, older_than_seconds: float, limit: int) -> list[Sendable]:
        rows = self.wire.rows(
            sql(
                """select id, total from bulk_jobs
                   where status = 'queued' and updated_at < now() - make_interval(secs => :age)
                   order by updated_at limit :limit"""
            ),
            {"age": older_than_seconds, "limit": limit},
        )
        return [Sendable(r.id, r.total) for r in rows]

    def try_lock(self, name: str) -> bool:
        """A transaction-scoped advisory lock: one sweeper / reconciler at a time."""
        row = self.wire.first(
            sql("select pg_try_advisory_xact_lock(hashtextextended(:name, 0)) as locked"),
            {"name": name},
        )
        return bool(row and row.locked)

    def record_anomalies(self) -> int:
        """Find orphaned, missing and misattributed records and record each anomaly once
        (a dismissed one with the same records is not raised again)."""
        found, (misattributed,) = self.wire.round_trip(
            (RECORD_ANOMALIES, None), (RECORD_MISATTRIBUTED, None)
        )
        return len(found) + int(misattributed[0])

    def is_queued(self, job_id: UUID) -> bool:
        row = self.wire.first(
            sql("select 1 from bulk_jobs where id = :id and status = 'queued'"), {"id": job_id}
        )
        return row is not None

    def requeue_abandoned(self) -> list[Sendable]:
        """Running jobs no live worker holds (their row is not locked) whose lease ran out
        or whose claim was abandoned, back to the queue."""
        rows = self.wire.rows(
            sql(
                f"""update bulk_jobs set {BACK_TO_THE_QUEUE}
                    where id in (select id from bulk_jobs
                                 where status = 'running' and {TAKEABLE}
                                 for update skip locked)
                    returning id, total"""
            )
        )
        return [Sendable(r.id, r.total) for r in rows]
