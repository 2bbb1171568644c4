"""Bulk registrations: the job accepted, a job with every participant's outcome, the job
list, and a review's resolution."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.anomalies import AnomalyOut
from api.schemas.common import Timestamp
from api.schemas.conflicts import Conflict
from domain.jobs import BulkJob
from domain.model import ActivityDraft, Decision, JobItem, JobStatus, KeyKind, OnConflict, Outcome


class ItemError(BaseModel):
    code: str
    message: str

    @classmethod
    def of(cls, code: str | None, message: str | None) -> Self | None:
        return cls(code=code, message=message or "") if code else None


class Item(BaseModel):
    index: int
    peer_mentor_id: UUID | None = Field(
        description="the person the key names, once resolved; null while pending or unknown"
    )
    given: dict[KeyKind, str] = Field(description="the key exactly as submitted")
    display_name: str | None
    outcome: Outcome
    activity_id: UUID | None
    conflict: Conflict | None
    error: ItemError | None

    @classmethod
    def of(cls, item: JobItem) -> Self:
        return cls(
            index=item.index,
            peer_mentor_id=item.peer_mentor_id,
            given={item.given.kind: item.given.value},
            display_name=item.display_name,
            outcome=item.outcome,
            activity_id=item.activity_id,
            conflict=Conflict.of(item.conflict) if item.conflict else None,
            error=ItemError.of(item.error_code, item.error_message),
        )


class JobSummary(BaseModel):
    job_id: UUID
    org_id: UUID
    submitted_by: UUID
    status: JobStatus
    on_conflict: OnConflict
    activity: ActivityDraft
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    attempts: int
    counts: dict[str, int]
    error: ItemError | None
    undone_at: Timestamp | None = Field(description="when the job was undone, if it was")
    undone_by: UUID | None
    undo_reason: str | None

    @classmethod
    def fields_of(cls, job: BulkJob) -> dict[str, object]:
        return {
            "job_id": job.id,
            "org_id": job.org_id,
            "submitted_by": job.submitted_by,
            "status": job.status,
            "on_conflict": job.on_conflict,
            "activity": job.activity,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "attempts": job.attempts,
            "counts": job.counts(),
            "error": ItemError.of(job.error_code, job.error_message),
            "undone_at": job.undone_at,
            "undone_by": job.undone_by,
            "undo_reason": job.undo_reason,
        }

    @classmethod
    def of(cls, job: BulkJob) -> Self:
        return cls.model_validate(cls.fields_of(job))


class Job(JobSummary):
    items: list[Item]
    anomalies: list[AnomalyOut]

    @classmethod
    def of(cls, job: BulkJob) -> Self:
        return cls.model_validate(
            cls.fields_of(job)
            | {
                "items": [Item.of(i) for i in job.items],
                "anomalies": [AnomalyOut.of(a) for a in job.anomalies],
            }
        )


class JobPage(BaseModel):
    items: list[JobSummary]
    next_cursor: str | None


class Accepted(BaseModel):
    job_id: UUID
    status: JobStatus
    status_url: str


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    peer_mentor_id: UUID
    action: Decision


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decisions: list[DecisionIn] = Field(default_factory=list)
    default: Decision | None = None
