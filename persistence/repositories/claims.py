"""Claims and job bookkeeping across organizations, as ``bulkreg_maintenance``: the claim
that makes a job one worker's, releasing and failing it, the sweeper's finds.

The statements that change a job's status (the claim itself, release, fail, the sweeper's
requeue) live in ``persistence.lifecycle``, declared with the edges of the state machine
they perform; this module runs them and reads the rest. (``ABANDONED_AFTER_SECONDS`` is
re-exported for the tests that wait out an abandoned claim.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.ports.jobs import Claim, Sendable
from persistence.lifecycle import ABANDONED_AFTER_SECONDS as ABANDONED_AFTER_SECONDS
from persistence.lifecycle import FAIL, RELEASE, REQUEUE_ABANDONED
from persistence.repositories.anomalies import RECORD_ANOMALIES
from persistence.repositories.attribution import RECORD_MISATTRIBUTED
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

# Sent in the claim's transaction, before the claim: the claims of one organization's large
# jobs take turns, so two workers cannot both see the last slot free. (Read committed: the
# claim, a later statement, sees what the previous holder committed.)
ORG_TURN = sql(
    """select pg_advisory_xact_lock(hashtextextended('bulkreg.large-jobs:' || org_id::text, 0))
       from bulk_jobs where id = :id and total > :large"""
)
# The processing transaction's identity: the claimed job's submitter, found by the server
# from the claim's token, and refused unless they may still register (``app.act_for_claim``) —
# asked for only when the claim is running (``app.claim_is_running``): "nothing to take" sets no identity, so
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
    return Claim(row.id, row.attempts, token, row.named_waiting)


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
        """Back to the queue, if this claim still holds the job."""
        return self.wire.count(RELEASE.statement, {"id": job_id, "token": token}) == 1

    def fail(self, job_id: UUID, code: str, message: str, token: UUID | None = None) -> bool:
        """Failed for good, if it is unfinished and (given a token) still this claim's."""
        params = {"id": job_id, "code": code, "message": message, "token": token}
        return self.wire.count(FAIL.statement, params) == 1

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
        rows = self.wire.rows(REQUEUE_ABANDONED.statement)
        return [Sendable(r.id, r.total) for r in rows]
