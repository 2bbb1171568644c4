"""Bulk registrations: submit, poll, list, cancel, resolve, undo, and the people of a job."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.body import json_body, openapi_request_body
from api.deps import IdempotencyKey, SettingsDep, StaffPrincipal, UnitsOfWorkDep
from api.longpoll import until_changed
from api.participants import participants_response
from api.results import Dialect, results_response
from api.schemas.bulk import Accepted, Job, JobPage, JobSummary, ResolutionIn
from api.schemas.common import json_response
from api.schemas.problems import problem_responses
from api.schemas.undo import UndoIn
from api.uploads import openapi_submission_body, submission_body
from domain.jobs import BulkJob
from domain.languages import Language
from domain.model import UNFINISHED, BulkSubmission, JobStatus, Principal
from domain.ports.units import UnitsOfWork
from domain.rules import Limits
from domain.services import bulk, languages, undo

router = APIRouter(prefix="/v1/bulk-registrations", tags=["bulk registrations"])
PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)
RETRY_AFTER_SECONDS = "1"
MAX_WAIT_SECONDS = 30


def limits(settings: SettingsDep) -> Limits:
    return Limits(settings.max_participants, settings.max_backdate_days)


def _etag(job_id: UUID, version: int) -> str:
    return f'W/"{job_id}.{version}"'


def _status_url(job_id: UUID) -> str:
    return f"/v1/bulk-registrations/{job_id}"


def _job_response(job: BulkJob, code: int = 200) -> Response:
    headers = {"ETag": _etag(job.id, job.version), "Cache-Control": "no-cache"}
    if job.status in UNFINISHED:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return json_response(Job.of(job), code, headers)


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=PROBLEMS | {200: {"model": Accepted, "description": "a replay"}},
    openapi_extra=openapi_submission_body(),
)
def submit(
    principal: StaffPrincipal,
    submission: Annotated[BulkSubmission, submission_body()],
    uows: UnitsOfWorkDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey,
) -> Response:
    # Only a replay under the same Idempotency-Key compares it.
    request_hash = (
        hashlib.sha256(submission.model_dump_json().encode()).hexdigest()
        if idempotency_key is not None
        else None
    )
    job, created = bulk.submit(
        uows,
        principal,
        submission,
        limits=limits(settings),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    url = _status_url(job.id)
    return json_response(
        Accepted(job_id=job.id, status=job.status, status_url=url),
        202 if created else 200,
        {"Location": url},
    )


@router.get(
    "/{job_id}",
    response_model=Job,
    responses=PROBLEMS | {304: {"description": "unchanged"}},
)
async def poll(
    job_id: UUID,
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    if_none_match: Annotated[str | None, Header()] = None,
    wait: Annotated[
        float | None,
        Query(
            gt=0,
            le=MAX_WAIT_SECONDS,
            description=(
                "long poll: with If-None-Match, answer as soon as the job changes, "
                "or 304 after this many seconds"
            ),
        ),
    ] = None,
) -> Response:
    """A job's status. With ``If-None-Match`` and ``wait``, a long poll: the request waits
    (on a notification from the database, holding no connection and no thread) until the
    job has another version, or answers 304 when the wait is over."""
    tags = {tag.strip() for tag in if_none_match.split(",")} if if_none_match else set()
    if not tags:
        return await run_in_threadpool(lambda: _job_response(bulk.get(uows, principal, job_id)))
    if not wait:
        return await run_in_threadpool(_unless_unchanged, uows, principal, job_id, tags)
    return await until_changed(
        job_id,
        wait,
        lambda: _unless_unchanged(uows, principal, job_id, tags),
        lambda answer: answer.status_code == 304,
    )


def _unless_unchanged(
    uows: UnitsOfWork, principal: Principal, job_id: UUID, tags: set[str]
) -> Response:
    """304 while the job's version is one the client has, else the job."""
    version, status = bulk.version(uows, principal, job_id)
    etag = _etag(job_id, version)
    if etag in tags:
        headers = {"ETag": etag}
        if status in UNFINISHED:
            headers["Retry-After"] = RETRY_AFTER_SECONDS
        return Response(status_code=304, headers=headers)
    return _job_response(bulk.get(uows, principal, job_id))


@router.get(
    "/{job_id}/results.csv",
    response_class=StreamingResponse,
    responses=PROBLEMS | {200: {"content": {"text/csv": {}}, "description": "one row each"}},
)
def results(
    job_id: UUID,
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    dialect: Annotated[
        Dialect,
        Query(
            description="rfc4180: `,` and no byte-order mark; excel: UTF-8 with a byte-order "
            "mark and the list separator of the caller's language (`;` for bokmål, `,` for "
            "English), as their spreadsheet opens it"
        ),
    ] = Dialect.RFC4180,
) -> Response:
    """The outcome of every participant, as a CSV file to fix and send again."""
    job, people = bulk.results(uows, principal, job_id)
    language = Language.EN
    if dialect is Dialect.EXCEL:  # the caller's language decides the separator
        language, _ = languages.screen_languages(uows, principal)
    return results_response(job, people, dialect, language)


@router.get("", response_model=JobPage, responses=PROBLEMS)
def list_jobs(
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    page = bulk.list_jobs(uows, principal, status=status, cursor=cursor, limit=limit)
    return json_response(
        JobPage(items=[JobSummary.of(j) for j in page.items], next_cursor=page.next_cursor)
    )


@router.post("/{job_id}/cancel", response_model=Job, responses=PROBLEMS)
def cancel(job_id: UUID, principal: StaffPrincipal, uows: UnitsOfWorkDep) -> Response:
    job = bulk.cancel(uows, principal, job_id)
    return _job_response(job)


@router.post(
    "/{job_id}/resolution",
    status_code=202,
    response_model=Job,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(ResolutionIn),
)
def resolve(
    job_id: UUID,
    principal: StaffPrincipal,
    resolution: Annotated[ResolutionIn, json_body(ResolutionIn)],
    uows: UnitsOfWorkDep,
) -> Response:
    job = bulk.resolve(
        uows,
        principal,
        job_id,
        decisions=[(d.peer_mentor_id, d.action) for d in resolution.decisions],
        default=resolution.default,
    )
    return _job_response(job, 202)


@router.post(
    "/{job_id}/undo",
    response_model=Job,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(UndoIn),
)
def undo_job(
    job_id: UUID,
    principal: StaffPrincipal,
    body: Annotated[UndoIn, json_body(UndoIn)],
    uows: UnitsOfWorkDep,
    settings: SettingsDep,
) -> Response:
    """Take a succeeded job back, within ``BULKREG_UNDO_DAYS`` of its finishing: all its
    activities deleted and the job ``undone``, in one transaction."""
    job = undo.undo(
        uows, principal, job_id, reason=body.reason, window=timedelta(days=settings.undo_days)
    )
    return _job_response(job)


@router.get(
    "/{job_id}/participants.csv",
    response_class=Response,
    responses=PROBLEMS
    | {200: {"content": {"text/csv": {}}, "description": "a participant list to submit"}},
)
def participants(job_id: UUID, principal: StaffPrincipal, uows: UnitsOfWorkDep) -> Response:
    """The job's people, to register again: those registered or overridden, or, for a job
    that did not succeed, every participant; as a CSV this API's submission takes."""
    return participants_response(job_id, undo.participants(uows, principal, job_id))
