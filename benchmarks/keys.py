"""``natural_key_ratio``: a 10,000-participant job whose participants are named by email,
against the same job named by id, both processed by the worker's use case in the same run
(claim to commit: the keys are resolved in the statement that screens the job). The two
alternate, on days of their own, so neither meets the other's rows."""

from __future__ import annotations

from typing import Any

from benchmarks.commit import process_timed
from benchmarks.harness import Figure, Org, Servers, day, engine, settle
from domain.model import ActivityDraft, BulkSubmission, JobStatus, ParticipantRequest
from domain.rules import Limits
from domain.services import bulk
from persistence.uow import SqlUnitsOfWork


def submit(uows: SqlUnitsOfWork, org: Org, named: list[dict[str, Any]], on: int) -> object:
    submission = BulkSubmission(
        activity=ActivityDraft(
            activity_type="home_visit", occurred_on=day(on), duration_minutes=45
        ),
        participants=[ParticipantRequest.model_validate(key) for key in named],
        on_conflict="skip",
    )
    limits = Limits(max_participants=len(named), max_backdate_days=100_000)
    job, _ = bulk.submit(uows, org.coordinator, submission, limits=limits)
    return job.id


def run(servers: Servers, org: Org, n: int, repeat: int, first_day: int) -> dict[str, Figure]:
    app, worker = engine(servers.api_url), engine(servers.worker_url)
    uows = SqlUnitsOfWork(app, lambda _: None, worker_engine=worker)
    by_id = [{"peer_mentor_id": pm} for pm in org.peer_mentors[:n]]
    by_email = [{"email": Org.email(pm)} for pm in org.peer_mentors[:n]]
    figures = {"natural_key_ratio": Figure()}
    try:
        for rep in range(repeat):
            seconds: dict[str, float] = {}
            order: list[tuple[str, list[dict[str, Any]]]] = [("id", by_id), ("email", by_email)]
            for name, named in order if rep % 2 == 0 else order[::-1]:
                job_id = submit(uows, org, named, on=first_day + 2 * rep + (name == "email"))
                settle(servers.superuser_url)
                seconds[name], status = process_timed(uows, job_id)
                assert status is JobStatus.SUCCEEDED, status
            figures["natural_key_ratio"].add(seconds["id"] / seconds["email"])
    finally:
        app.dispose()
        worker.dispose()
    return figures
