"""Anomalies: what the reconciler records, and their resolution."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from domain.model import (
    Anomaly,
    AnomalyAction,
    AnomalyKind,
)
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

# The reconciler's find, as ``bulkreg_maintenance``: orphaned and missing records, each
# anomaly recorded once (a dismissed one with the same records is not raised again).
# Orphaned: live activities of a job that is not ``succeeded`` (an ``undone`` job's were all
# deleted with its undo). Missing: a succeeded job's written item whose activity is gone
# from the table; one deleted on purpose (``deleted_by``, a reason, an audit entry: one
# record deleted, or an anomaly resolved) is not missing.
# Misattributed records are found by ``attribution.RECORD_MISATTRIBUTED``.
RECORD_ANOMALIES = sql(
    """with found as (
           select a.bulk_job_id, j.org_id, 'orphaned_records' as kind,
                  array_agg(a.id order by a.id) as activity_ids
           from activities a join bulk_jobs j on j.id = a.bulk_job_id
           where j.status <> 'succeeded' and a.deleted_at is null
           group by a.bulk_job_id, j.org_id
           union all
           select j.id, j.org_id, 'missing_records',
                  array_remove(array_agg(i.activity_id order by i.activity_id), null)
           from bulk_jobs j
           join bulk_job_items i on i.job_id = j.id
           left join activities a on a.id = i.activity_id
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
       on conflict do nothing
       returning 1"""
)

ANOMALY_COLUMNS = """id, org_id, kind, bulk_job_id, activity_ids, detected_at, resolved_at,
    resolution, resolved_by, reason"""


def _anomaly(r: Row) -> Anomaly:
    return Anomaly(
        r.id,
        r.org_id,
        AnomalyKind(r.kind),
        r.bulk_job_id,
        [a for a in r.activity_ids if a is not None],
        r.detected_at,
        r.resolved_at,
        AnomalyAction(r.resolution) if r.resolution else None,
        r.resolved_by,
        r.reason,
    )


FOR_JOB = sql(
    f"select {ANOMALY_COLUMNS} from anomalies where bulk_job_id = :job order by detected_at"
)


class SqlAnomalies:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def for_job(self, job_id: UUID) -> list[Anomaly]:
        return self.for_job_ahead(job_id)()

    def for_job_ahead(self, job_id: UUID) -> Callable[[], list[Anomaly]]:
        rows = self.wire.ahead(FOR_JOB, {"job": job_id})
        return lambda: [_anomaly(r) for r in rows()]

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

    def resolve(self, anomaly: Anomaly) -> None:
        self.wire.queue(
            sql(
                """update anomalies set resolved_at = :at, resolved_by = :by,
                       resolution = :resolution, reason = :reason
                   where id = :id"""
            ),
            {
                "id": anomaly.id,
                "at": anomaly.resolved_at,
                "by": anomaly.resolved_by,
                "resolution": anomaly.resolution.value if anomaly.resolution else None,
                "reason": anomaly.reason,
            },
        )

    def open_for_jobs(self, job_ids: Sequence[UUID]) -> set[UUID]:
        rows = self.wire.rows(
            sql(
                """select distinct bulk_job_id from anomalies
                   where bulk_job_id = any(cast(:jobs as uuid[])) and resolved_at is null"""
            ),
            {"jobs": list(job_ids)},
        )
        return {r.bulk_job_id for r in rows}
