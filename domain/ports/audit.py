"""The audit log: what was changed, by whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.ports.common import Page


@dataclass(frozen=True)
class AuditEntry:
    org_id: UUID
    actor_id: UUID
    action: str
    target: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: UUID | None  # None: an operator's change from the CLI
    action: str
    target: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditFilter:
    actor_id: UUID | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


class Audit(Protocol):
    def record(self, entries: Sequence[AuditEntry]) -> None: ...
    def page(self, flt: AuditFilter, cursor: str | None, limit: int) -> Page[AuditRecord]: ...
