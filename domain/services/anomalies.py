"""Anomalies the reconciler found: listed for staff, resolved by deleting (softly) the
records or dismissing; every resolution goes to the audit log."""

from __future__ import annotations

from uuid import UUID

from domain.clock import Clock, utcnow
from domain.errors import NotFound
from domain.model import Anomaly, AnomalyAction, Principal
from domain.policy import require_staff
from domain.ports.audit import AuditEntry
from domain.ports.units import UnitsOfWork


def list_anomalies(uows: UnitsOfWork, principal: Principal, resolved: bool | None) -> list[Anomaly]:
    require_staff(principal, "read anomalies")
    with uows(principal) as uow:
        return uow.anomalies.listing(resolved)


def resolve(
    uows: UnitsOfWork,
    principal: Principal,
    anomaly_id: UUID,
    *,
    action: AnomalyAction,
    reason: str,
    clock: Clock = utcnow,
) -> Anomaly:
    require_staff(principal, "resolve anomalies")
    with uows(principal) as uow:
        anomaly = uow.anomalies.lock(anomaly_id)
        if anomaly is None:
            raise NotFound("no such anomaly")
        anomaly.resolve(action, clock(), principal.user_id, reason)
        deleted = 0
        if action is AnomalyAction.DELETE_RECORDS:
            deleted = uow.activities.soft_delete(anomaly.activity_ids, principal.user_id, reason)
        uow.anomalies.resolve(anomaly)
        uow.audit.record(
            [
                AuditEntry(
                    anomaly.org_id,
                    principal.user_id,
                    f"anomaly.{action}",
                    f"anomaly:{anomaly.id}",
                    {
                        "kind": anomaly.kind.value,
                        "bulk_job_id": str(anomaly.bulk_job_id) if anomaly.bulk_job_id else None,
                        "activity_ids": [str(i) for i in anomaly.activity_ids],
                        "deleted": deleted,
                        "reason": reason,
                    },
                )
            ]
        )
        uow.commit()
    return anomaly
