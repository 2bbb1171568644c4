"""Beat-driven upkeep: nothing is lost, every anomaly is seen.

Both run under the maintenance identity and hold a transaction-scoped advisory lock, so a
second beat process (or a slow previous run) is harmless.
"""

from __future__ import annotations

from uuid import UUID

from domain.ports.units import UnitsOfWork

SWEEP_LOCK = "bulkreg.sweep_stuck_jobs"
RECONCILE_LOCK = "bulkreg.reconcile"


def sweep_stuck_jobs(
    uows: UnitsOfWork, *, queued_older_than: float, limit: int = 500
) -> list[UUID]:
    """Re-queue running jobs no live worker holds (their lease ran out, or their worker died
    and its claim is a few seconds old) and re-send queued jobs nobody picked up
    (the broker was down at submit time, or a message was lost). Sending twice is harmless:
    the claim lets one attempt through."""
    with uows.maintenance() as maintenance:
        if not maintenance.jobs.try_lock(SWEEP_LOCK):
            return []
        requeued = maintenance.jobs.requeue_abandoned()
        stale = maintenance.jobs.stale_queued(queued_older_than, limit)
        to_send = list(dict.fromkeys([*requeued, *stale]))
        for job in to_send:
            maintenance.enqueue_after_commit(job)
        maintenance.commit()
    return [job.job_id for job in to_send]


def reconcile(uows: UnitsOfWork) -> int:
    """Record orphaned records (activities of a job that did not succeed) and missing
    records (a succeeded job whose written items have no live activity)."""
    with uows.maintenance() as maintenance:
        if not maintenance.jobs.try_lock(RECONCILE_LOCK):
            return 0
        found = maintenance.jobs.record_anomalies()
        maintenance.commit()
    return found
