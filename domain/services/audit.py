"""The audit log, for admins: who did what, when — every submission, decision, cancellation,
proxy registration, anomaly resolution and operator's change."""

from __future__ import annotations

from domain.model import Principal
from domain.policy import require_admin
from domain.ports.audit import AuditFilter, AuditRecord
from domain.ports.common import Page
from domain.ports.units import UnitsOfWork


def entries(
    uows: UnitsOfWork, principal: Principal, flt: AuditFilter, cursor: str | None, limit: int
) -> Page[AuditRecord]:
    require_admin(principal, "read the audit log")
    with uows(principal) as uow:
        return uow.audit.page(flt, cursor, limit)
