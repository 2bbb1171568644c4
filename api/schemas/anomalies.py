"""Anomalies the reconciler found: as a job shows them, and as the anomalies list shows
them, with how they were resolved."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from pydantic import BaseModel

from api.schemas.common import Timestamp
from domain.model import Anomaly, AnomalyAction, AnomalyKind


class AnomalyOut(BaseModel):
    id: UUID
    kind: AnomalyKind
    activity_ids: list[UUID]
    detected_at: Timestamp
    resolved_at: Timestamp | None

    @classmethod
    def of(cls, a: Anomaly) -> Self:
        return cls(
            id=a.id,
            kind=a.kind,
            activity_ids=a.activity_ids,
            detected_at=a.detected_at,
            resolved_at=a.resolved_at,
        )


class ResolvableAnomaly(AnomalyOut):
    """An anomaly as the anomalies list shows it: with its job and how it was resolved."""

    bulk_job_id: UUID | None
    resolution: AnomalyAction | None

    @classmethod
    def of(cls, a: Anomaly) -> Self:
        return cls(
            **AnomalyOut.of(a).model_dump(), bulk_job_id=a.bulk_job_id, resolution=a.resolution
        )


class AnomalyPage(BaseModel):
    items: list[ResolvableAnomaly]
