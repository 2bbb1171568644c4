"""Response shapes: documented in the OpenAPI schema, built from domain objects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.jobs import BulkJob
from domain.model import Activity, ActivityDraft, Anomaly, Decision, JobItem


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None
    conflict: dict[str, Any] | None = None


class Conflict(BaseModel):
    activity_id: UUID
    registered_by: UUID
    activity_type: str
    occurred_on: date
    created_at: datetime


class ItemError(BaseModel):
    code: str
    message: str


class Item(BaseModel):
    index: int
    peer_mentor_id: UUID
    outcome: str
    activity_id: UUID | None
    conflict: Conflict | None
    error: ItemError | None


class AnomalyOut(BaseModel):
    id: UUID
    kind: str
    activity_ids: list[UUID]
    detected_at: datetime
    resolved_at: datetime | None


class JobSummary(BaseModel):
    job_id: UUID
    org_id: UUID
    submitted_by: UUID
    status: str
    on_conflict: str
    activity: ActivityDraft
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    counts: dict[str, int]
    error: ItemError | None


class Job(JobSummary):
    items: list[Item]
    anomalies: list[AnomalyOut]


class JobPage(BaseModel):
    items: list[JobSummary]
    next_cursor: str | None


class Accepted(BaseModel):
    job_id: UUID
    status: str
    status_url: str


class ActivityOut(BaseModel):
    id: UUID
    org_id: UUID
    peer_mentor_id: UUID
    activity_type: str
    occurred_on: date
    duration_minutes: int
    notes: str | None
    registered_by: UUID
    source: str
    bulk_job_id: UUID | None
    duplicate_of: UUID | None
    created_at: datetime


class ActivityPage(BaseModel):
    items: list[ActivityOut]
    next_cursor: str | None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    peer_mentor_id: UUID
    action: Decision


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decisions: list[DecisionIn] = Field(default_factory=list)
    default: Decision | None = None


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _item(item: JobItem) -> dict[str, Any]:
    c = item.conflict
    return {
        "index": item.index,
        "peer_mentor_id": str(item.peer_mentor_id),
        "outcome": item.outcome.value,
        "activity_id": str(item.activity_id) if item.activity_id else None,
        "conflict": {
            "activity_id": str(c.activity_id),
            "registered_by": str(c.registered_by),
            "activity_type": c.activity_type,
            "occurred_on": c.occurred_on.isoformat(),
            "created_at": c.created_at.isoformat(),
        }
        if c
        else None,
        "error": {"code": item.error_code, "message": item.error_message or ""}
        if item.error_code
        else None,
    }


def anomaly(a: Anomaly) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "kind": a.kind,
        "activity_ids": [str(i) for i in a.activity_ids],
        "detected_at": _iso(a.detected_at),
        "resolved_at": _iso(a.resolved_at),
    }


def job_summary(job: BulkJob) -> dict[str, Any]:
    return {
        "job_id": str(job.id),
        "org_id": str(job.org_id),
        "submitted_by": str(job.submitted_by),
        "status": job.status.value,
        "on_conflict": job.on_conflict.value,
        "activity": job.activity.model_dump(mode="json"),
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "attempts": job.attempts,
        "counts": job.counts(),
        "error": {"code": job.error_code, "message": job.error_message or ""}
        if job.error_code
        else None,
    }


def job_detail(job: BulkJob) -> dict[str, Any]:
    return job_summary(job) | {
        "items": [_item(i) for i in job.items],
        "anomalies": [anomaly(a) for a in job.anomalies],
    }


def activity_out(a: Activity) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "org_id": str(a.org_id),
        "peer_mentor_id": str(a.peer_mentor_id),
        "activity_type": a.activity_type,
        "occurred_on": a.occurred_on.isoformat(),
        "duration_minutes": a.duration_minutes,
        "notes": a.notes,
        "registered_by": str(a.registered_by),
        "source": a.source.value,
        "bulk_job_id": str(a.bulk_job_id) if a.bulk_job_id else None,
        "duplicate_of": str(a.duplicate_of) if a.duplicate_of else None,
        "created_at": _iso(a.created_at),
    }
