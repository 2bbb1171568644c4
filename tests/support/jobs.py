"""Bulk jobs driven through the use cases, as the API and the worker call them."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Engine

from domain.model import ActivityDraft, BulkSubmission, JobStatus, ParticipantRequest
from domain.rules import Limits
from domain.services import bulk, processing
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.orgs import Org, yesterday


def submit(
    uows: SqlUnitsOfWork, org: Org, mentors: list[UUID], on_conflict: str = "review"
) -> UUID:
    submission = BulkSubmission(
        activity=ActivityDraft(
            activity_type="home_visit", occurred_on=yesterday(), duration_minutes=45
        ),
        participants=[ParticipantRequest(peer_mentor_id=m) for m in mentors],
        on_conflict=on_conflict,
    )
    job, _ = bulk.submit(uows, org.coordinator, submission, limits=Limits())
    return job.id


def process(uows: SqlUnitsOfWork, job_id: UUID) -> JobStatus | None:
    return processing.process(uows, job_id, lease_seconds=30, max_attempts=5)


def activities_of(engine: Engine, job_id: UUID) -> int:
    return count(engine, "select count(*) from activities where bulk_job_id = :j", j=job_id)
