"""The job list, a job's page, its review, its cancellation and its results file."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import UnitsOfWorkDep
from api.longpoll import until_changed
from api.results import Dialect, results_response
from api.screen.base import (
    Form,
    SignIn,
    guarded,
    language_of,
    page,
    post,
    session,
    signed_page,
)
from api.screen.review import by_line, review
from api.screen.undo import window
from domain.clock import utcnow
from domain.errors import DomainError
from domain.model import UNFINISHED, Decision, JobStatus, Principal
from domain.services import bulk, screen

WAIT_SECONDS = 25  # one long poll of the job page's script
PAGE_SIZE = 25
router = APIRouter()


@router.get("/")
def job_list(
    request: Request,
    uows: UnitsOfWorkDep,
    status: JobStatus | None = None,
    cursor: str | None = None,
) -> Response:
    def handler(principal: Principal, token: str) -> Response:
        found, names = screen.jobs(uows, principal, status=status, cursor=cursor, limit=PAGE_SIZE)
        return signed_page(
            request,
            "jobs.html",
            principal,
            token,
            lines=found.items,
            names=names,
            next_cursor=found.next_cursor,
            shown=status,
            statuses=list(JobStatus),
        )

    return guarded(request, uows, handler)


@router.get("/jobs/{job_id}")
def job_detail(request: Request, uows: UnitsOfWorkDep, job_id: UUID) -> Response:
    def handler(principal: Principal, token: str) -> Response:
        view = screen.job(uows, principal, job_id)
        in_review = view.job.status is JobStatus.NEEDS_REVIEW
        # The page follows the job while it can still change: running, or resolved or
        # cancelled by someone else while this page shows its review.
        unfinished = view.job.status in UNFINISHED or in_review
        return signed_page(
            request,
            "job.html",
            principal,
            token,
            job=view.job,
            names=view.names,
            anomalies=view.anomalies,
            review=review(view.job) if in_review else None,
            by_line=by_line(view.job),
            watch=unfinished,
            undoable=view.job.undoable(utcnow(), window()),
        )

    return guarded(request, uows, handler)


@router.get("/jobs/{job_id}/results.csv")
def job_results(
    request: Request, uows: UnitsOfWorkDep, job_id: UUID, dialect: Dialect = Dialect.RFC4180
) -> Response:
    """The page's link asks for ``excel``: split at the list separator of the language the
    page speaks (``;`` for bokmål: ``api.results``)."""

    def handler(principal: Principal, _: str) -> Response:
        job, people = bulk.results(uows, principal, job_id)
        return results_response(job, people, dialect, language_of(request)[0])

    return guarded(request, uows, handler)


@router.post("/jobs/{job_id}/resolution")
async def resolve_job(request: Request, uows: UnitsOfWorkDep, job_id: UUID) -> Response:
    def act(principal: Principal, form: Form, _: str) -> Response:
        decisions = [
            (UUID(key.split(":", 1)[1]), Decision(str(value)))
            for key, value in form.items()
            if key.startswith("decision:")
        ]
        default = Decision(str(form["default"])) if form.get("default") else None
        bulk.resolve(uows, principal, job_id, decisions=decisions, default=default)
        return RedirectResponse(f"/ui/jobs/{job_id}", 303)

    return await post(request, uows, act)


@router.post("/jobs/{job_id}/cancel")
async def cancel_job(request: Request, uows: UnitsOfWorkDep, job_id: UUID) -> Response:
    """Asks first: without ``confirm=yes`` the answer is a page that asks."""

    def act(principal: Principal, form: Form, csrf: str) -> Response:
        if form.get("confirm") != "yes":
            view = screen.job(uows, principal, job_id)
            return page(
                request,
                "cancel.html",
                principal=principal,
                csrf=csrf,
                job=view.job,
                names=view.names,
            )
        bulk.cancel(uows, principal, job_id)
        return RedirectResponse(f"/ui/jobs/{job_id}", 303)

    return await post(request, uows, act)


@router.get("/jobs/{job_id}/changes")
async def job_changes(
    request: Request, uows: UnitsOfWorkDep, job_id: UUID, version: int
) -> Response:
    """The job page's long poll: 205 (reload) once the job has a version other than
    ``version``, 204 when the wait ends without one, 401 when the session is gone."""
    try:
        principal, _ = await run_in_threadpool(session, request, uows)
    except SignIn:
        return Response(status_code=401)
    try:
        seen = await until_changed(
            job_id,
            WAIT_SECONDS,
            lambda: bulk.version(uows, principal, job_id)[0],
            lambda current: current == version,
        )
    except DomainError:
        return Response(status_code=404)
    return Response(status_code=204 if seen == version else 205)
