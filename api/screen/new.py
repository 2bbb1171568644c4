"""A new bulk registration from the screen: the activity, then its participants picked from
the roster or uploaded as a CSV file. Submitting goes through the same use case as the API
(``bulk.submit``) and lands on the job's page.

The page is one form posted back to itself: *Search* shows other people of the roster and
keeps everything filled in and picked so far; *Submit* queues the job. A token drawn when
the form is shown is the submission's idempotency key, so a double click queues one job.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.deps import UnitsOfWorkDep
from api.screen.base import check_csrf, csrf_for, guarded, language_of, page
from api.screen.forms import Problem, activity_of, form_values
from api.screen.i18n import N_, words
from api.screen.messages import field_problem, where
from api.uploads import ACTIVITY_FIELDS
from bulkreg.foundation.settings import get_settings
from domain.csvfiles import participants_from_csv
from domain.errors import FieldError, IdempotencyKeyReused, ValidationFailed
from domain.explain import field_errors
from domain.model import BulkSubmission, OnConflict, ParticipantRequest, Principal
from domain.ports.units import UnitsOfWork
from domain.rules import Limits
from domain.services import bulk, screen
from domain.words import phrase

router = APIRouter()


def _blank() -> dict[str, Any]:
    return {"on_conflict": OnConflict.REVIEW.value, "idem": secrets.token_urlsafe(16)}


def _field_of(loc: tuple[str | int, ...]) -> str | None:
    """The id of the field a problem is about: an activity's field, or the CSV file."""
    parts = [str(p) for p in loc if p not in ("body", "activity")]
    if parts[:2] == ["participants", "line"]:
        return "csv"
    return parts[0] if parts and parts[0] in ACTIVITY_FIELDS else None


def _problems(request: Request, errors: list[FieldError]) -> list[Problem]:
    said = words(language_of(request)[0])
    return [(where(said, e.loc), *field_problem(said, e), _field_of(e.loc)) for e in errors]


def _show(
    request: Request,
    uows: UnitsOfWork,
    principal: Principal,
    csrf: str,
    fields: dict[str, Any],
    chosen: list[UUID],
    problems: list[Problem] | None = None,
    status: int = 200,
    again: screen.Again | None = None,
) -> Response:
    form = screen.new_job_form(uows, principal, query=fields.get("q") or None, chosen=chosen)
    return page(
        request,
        "new.html",
        status,
        principal=principal,
        csrf=csrf,
        fields=fields,
        **form_values(form, problems),
        on_conflicts=list(OnConflict),
        again=again,
    )


def _filled(again: screen.Again) -> dict[str, Any]:
    """*Register again*: a new form (its own idempotency token) with the job's activity but
    its date, which the coordinator picks."""
    activity = again.job.activity
    return _blank() | {
        "q": "",
        "activity_type": activity.activity_type,
        "duration_minutes": str(activity.duration_minutes),
        "notes": activity.notes or "",
    }


@router.get("/new")
def new_job(
    request: Request, uows: UnitsOfWorkDep, q: str | None = None, again: str | None = None
) -> Response:
    """The form, blank; or, with ``again`` (a job's id), filled in from that job."""

    def handler(principal: Principal, token: str) -> Response:
        csrf = csrf_for(token)
        if again:  # a malformed id is a form this page did not send (``guarded``)
            filled = screen.register_again(uows, principal, UUID(again))
            return _show(
                request, uows, principal, csrf, _filled(filled), filled.people, again=filled
            )
        return _show(request, uows, principal, csrf, _blank() | {"q": q or ""}, [])

    return guarded(request, uows, handler)


def _submission(fields: dict[str, Any], chosen: list[UUID], csv: bytes | None) -> BulkSubmission:
    """The submission the form describes; every problem of its fields and of its
    participants at once (``ValidationFailed``), in the order the page shows them."""
    problems: list[FieldError] = []
    people_problems: list[FieldError] = []
    participants: list[ParticipantRequest] = []
    if csv:
        try:
            participants = participants_from_csv(csv)
        except ValidationFailed as failed:
            people_problems = failed.errors
    else:
        participants = [ParticipantRequest(peer_mentor_id=p) for p in chosen]
        if not participants:
            nobody = phrase(N_("Pick at least one person from the roster, or upload a CSV file."))
            people_problems = [FieldError.said(("body", "participants"), nobody)]
    activity = activity_of(fields, problems)
    body = {
        "activity": activity,
        "participants": participants,
        "on_conflict": fields.get("on_conflict") or OnConflict.REVIEW.value,
    }
    submission: BulkSubmission | None = None
    try:
        submission = BulkSubmission.model_validate(body)
    except ValidationError as error:
        # What is said already (a duration, the participants) the model would only repeat.
        said = {"participants", *(e.loc[-1] for e in problems)}
        problems += [e for e in field_errors(error) if e.loc[-1] not in said]
    if submission is None or problems or people_problems:
        raise ValidationFailed(problems + people_problems)
    return submission


@router.post("/new")
async def submit_new_job(request: Request, uows: UnitsOfWorkDep) -> Response:
    limit = get_settings().max_participants + 32
    async with request.form(max_files=1, max_fields=limit) as form:
        fields, chosen, csv = await _read(form)

    def act(principal: Principal, token: str) -> Response:
        check_csrf(fields, token)
        csrf = csrf_for(token)
        if fields.get("action") != "submit":
            return _show(request, uows, principal, csrf, fields, chosen)
        try:
            submission = _submission(fields, chosen, csv)
            settings = get_settings()
            body = submission.model_dump_json().encode()
            job, _ = bulk.submit(
                uows,
                principal,
                submission,
                limits=Limits(settings.max_participants, settings.max_backdate_days),
                idempotency_key=f"ui:{fields.get('idem') or secrets.token_urlsafe(16)}",
                request_hash=hashlib.sha256(body).hexdigest(),
            )
        except ValidationFailed as failed:
            return _show(
                request,
                uows,
                principal,
                csrf,
                fields,
                chosen,
                _problems(request, failed.errors),
                422,
            )
        except IdempotencyKeyReused:  # this form was submitted before, then changed (Back)
            again = fields | {"idem": secrets.token_urlsafe(16)}
            said = words(language_of(request)[0])
            problem = (
                said.gettext("The form"),
                said.gettext(
                    "This form was submitted already, as another job. Check it below and "
                    "submit again to queue a new job."
                ),
                True,
                None,
            )
            return _show(request, uows, principal, csrf, again, chosen, [problem], 409)
        return RedirectResponse(f"/ui/jobs/{job.id}", 303)

    return await run_in_threadpool(guarded, request, uows, act)


async def _read(form: FormData) -> tuple[dict[str, Any], list[UUID], bytes | None]:
    fields: dict[str, Any] = {}
    chosen: list[UUID] = []
    csv: bytes | None = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            csv = (await value.read()) or None if name == "csv" else csv
        elif name == "participant":
            try:
                chosen.append(UUID(value))
            except ValueError:
                continue  # not one this page sent; the rest of the form still counts
        else:
            fields.setdefault(name, value.strip() if name != "notes" else value)
    if csv:
        fields["had_file"] = True
    return fields, list(dict.fromkeys(chosen)), csv
