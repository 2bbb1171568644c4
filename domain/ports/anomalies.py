"""Anomalies the reconciler recorded, as staff list and resolve them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol
from uuid import UUID

from domain.model import Anomaly


class Anomalies(Protocol):
    def for_job(self, job_id: UUID) -> list[Anomaly]: ...
    def for_job_ahead(self, job_id: UUID) -> Callable[[], list[Anomaly]]:
        """``for_job``, sent with the unit of work's next round trip: the function returned
        gives the anomalies once it has travelled."""
        ...

    def listing(self, resolved: bool | None) -> list[Anomaly]: ...
    def lock(self, anomaly_id: UUID) -> Anomaly | None: ...
    def resolve(self, anomaly: Anomaly) -> None: ...
    def open_for_jobs(self, job_ids: Sequence[UUID]) -> set[UUID]:
        """Those of the jobs that have an open anomaly."""
        ...
