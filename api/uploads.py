"""A bulk submission as JSON or as a form with a CSV file (docs/api.md, "Bulk registrations").

The form's fields are those of the JSON body's ``activity``, flattened, with ``on_conflict``
and a file part ``participants`` read by the one CSV reader (``domain.csvfiles``) that
``bulkreg submit`` uses too. A form's values are text, so they are parsed as text would be
(``"45"`` is a duration here, as typed into a form), then checked by the same model as the
JSON body; an error names the form's field. Anything else in the form is refused.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.body import BODY_MODELS, REF, is_json, parse_json, refusal
from api.deps import CurrentPrincipal
from domain import explain
from domain.csvfiles import participants_from_csv
from domain.errors import FieldError, ValidationFailed
from domain.explain import explained
from domain.model import MAX_NOTES, BulkSubmission, OnConflict, ParticipantRequest

ACTIVITY_FIELDS = ("activity_type", "occurred_on", "duration_minutes", "notes")
FORM_FIELDS = frozenset({*ACTIVITY_FIELDS, "on_conflict"})
FILE_FIELD = "participants"
MAX_FORM_FIELDS = 16
FORM_SCHEMA = {
    "type": "object",
    "required": ["activity_type", "occurred_on", "duration_minutes", "participants"],
    "properties": {
        "activity_type": {"type": "string"},
        "occurred_on": {"type": "string", "format": "date"},
        "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
        "notes": {"type": "string", "maxLength": MAX_NOTES},
        "on_conflict": {"type": "string", "enum": [c.value for c in OnConflict]},
        "participants": {
            "type": "string",
            "format": "binary",
            "description": "CSV: a header naming peer_mentor_id, email or member_number, "
            "optionally override_duplicate",
        },
    },
}


WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


def is_minutes(text: str) -> bool:
    """A form's duration, as strict as JSON's integer: "45.0" and " 45 " are not one."""
    return WHOLE_NUMBER.fullmatch(text) is not None


def is_form(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "multipart/form-data"


def not_minutes(loc: tuple[str | int, ...]) -> FieldError:
    """A duration that is not a whole number of minutes ("45.0", " 45 ")."""
    return FieldError.said(loc, explained("int_parsing", loc))


# The API's own words (English, for developers and the command line).
NOT_OF_THIS_FORM = "This is not a field of this form (or it is there twice): leave it out."
NO_FILE = "Add the CSV file of participants."


async def _from_form(request: Request) -> BulkSubmission:
    """The submission a form describes; every problem of its fields and of its file in one
    422 (a bad file does not hide a bad date, nor the other way round)."""
    async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
        errors: list[FieldError] = []
        fields: dict[str, str] = {}
        upload: UploadFile | None = None
        for name, value in form.multi_items():
            if name == FILE_FIELD and isinstance(value, UploadFile) and upload is None:
                upload = value
            elif name in FORM_FIELDS and isinstance(value, str) and name not in fields:
                fields[name] = value
            else:
                errors.append(FieldError(("body", name), NOT_OF_THIS_FORM))
        if upload is None:
            errors.append(FieldError(("body", FILE_FIELD), NO_FILE, "missing"))
        data = await upload.read() if upload is not None else None
    participants: list[ParticipantRequest] = []
    file_problems: list[FieldError] = []
    if data is not None:
        try:
            participants = await run_in_threadpool(participants_from_csv, data)
        except ValidationFailed as failed:
            file_problems = failed.errors
    activity: dict[str, Any] = {k: v for k, v in fields.items() if k in ACTIVITY_FIELDS}
    # The fields whose problem is said already: the model's words would only repeat it.
    told = {FILE_FIELD} if data is None or file_problems else set()
    duration = activity.get("duration_minutes")
    if duration is not None and is_minutes(duration):
        activity["duration_minutes"] = int(duration)
    elif duration is not None:
        errors.append(not_minutes(("body", "duration_minutes")))
        told.add("duration_minutes")
    body: dict[str, Any] = {"activity": activity, "participants": participants}
    if "on_conflict" in fields:
        body["on_conflict"] = fields["on_conflict"]
    submission: BulkSubmission | None = None
    try:
        submission = BulkSubmission.model_validate(body)
    except ValidationError as error:
        # The form's fields are flat: ("activity", "notes") is the field "notes".
        flat = [
            FieldError(("body", *[p for p in e.loc if p != "activity"]), e.msg, e.type, e.phrase)
            for e in explain.field_errors(error)
        ]
        errors += [e for e in flat if e.loc[1:2] not in [(f,) for f in told]]
    if submission is None or errors or file_problems:
        raise refusal(errors + file_problems)
    return submission


def submission_body() -> Any:
    """``Annotated[BulkSubmission, submission_body()]``: JSON or a form, once the caller is
    known (as ``api.body.json_body``)."""
    BODY_MODELS.append(BulkSubmission)

    async def read(request: Request, _: CurrentPrincipal) -> BulkSubmission:
        content_type = request.headers.get("content-type")
        if is_form(content_type):
            return await _from_form(request)
        if not is_json(content_type):
            raise HTTPException(415, "the body must be JSON or multipart/form-data with a CSV file")
        return await parse_json(request, BulkSubmission)

    return Depends(read)


def openapi_submission_body() -> dict[str, Any]:
    schema = {"$ref": REF.format(model=BulkSubmission.__name__)}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "multipart/form-data": {"schema": FORM_SCHEMA},
            },
        }
    }
