"""Every error is ``application/problem+json`` (RFC 9457) with a ``code`` member, mapped in
one place from the domain's errors and the framework's own."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.body import PLAIN
from api.deps import OperatorLoginRequired, verify_caller
from api.schemas.common import json_response
from api.schemas.conflicts import ParticipantConflict
from api.schemas.problems import FieldProblem, Problem
from domain import errors, explain

log = logging.getLogger(__name__)

STATUS = {
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.InvalidState: 409,
    errors.IdempotencyInFlight: 409,
    errors.DuplicateActivity: 409,
    errors.ValidationFailed: 422,
    errors.IdempotencyKeyReused: 422,
    errors.Unavailable: 503,
}
HTTP_CODES = {
    400: "malformed_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}
# Refusals of what a body is (too slow, too large, not JSON): the caller is checked first.
BODY_REFUSALS = frozenset({408, 413, 415})
MALFORMED_TYPES = {"json_invalid", "model_attributes_type", "dict_type", "model_type"}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[FieldProblem] | None = None,
    conflict: ParticipantConflict | None = None,
    failed: list[str] | None = None,
) -> Response:
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        code=code,
        detail=detail,
        errors=errors,
        conflict=conflict,
        failed=failed,
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return json_response(
        body, status, headers, media_type="application/problem+json", exclude_none=True
    )


def _field_errors(raw: list[Any]) -> list[FieldProblem]:
    """The framework's problems (query, path and header parameters) in plain words; those
    this project words itself (``api.body.refusal``) as they are."""
    return [
        FieldProblem(
            loc=list(e.get("loc", ())),
            msg=str(e.get("msg", "")) if e.get(PLAIN) else explain.field_error(e).msg,
            type=str(e.get("type", "")),
        )
        for e in raw
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def domain_error(_: Request, error: errors.DomainError) -> Response:
        status = STATUS.get(type(error), 400)
        return problem(
            status,
            error.code,
            error.detail,
            errors=[FieldProblem.of(e) for e in error.errors]
            if isinstance(error, errors.ValidationFailed)
            else None,
            conflict=ParticipantConflict.of(error.conflict)
            if isinstance(error, errors.DuplicateActivity)
            else None,
        )

    @app.exception_handler(OperatorLoginRequired)
    async def operator_login(_: Request, __: OperatorLoginRequired) -> Response:
        response = problem(401, "unauthenticated", "this is for operators: use their login")
        response.headers["WWW-Authenticate"] = 'Basic realm="bulkreg operators"'
        return response

    @app.exception_handler(errors.TransientError)
    async def unavailable(_: Request, error: errors.TransientError) -> Response:
        log.warning("database unavailable: %s", error)
        response = problem(503, "unavailable", "the database cannot be reached; try again")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(errors.BadCursor)
    async def bad_cursor(_: Request, error: errors.BadCursor) -> Response:
        return problem(
            422,
            "validation_error",
            str(error),
            errors=[FieldProblem(loc=["query", "cursor"], msg=str(error), type="value_error")],
        )

    async def caller_refused(request: Request) -> Response | None:
        """Who sent it comes first: a bad token, or a deactivated user's, is a 401 whatever
        else is wrong with the request."""
        try:
            await run_in_threadpool(verify_caller, request.headers.get("authorization"))
        except errors.Unauthenticated as refused:
            return problem(401, refused.code, refused.detail)
        except errors.TransientError as failed:
            return await unavailable(request, failed)
        return None

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if (refused := await caller_refused(request)) is not None:
            return refused
        raw = list(error.errors())
        if any(
            e.get("type") in MALFORMED_TYPES
            and tuple(e.get("loc", ()))[:1] == ("body",)
            and len(tuple(e.get("loc", ()))) <= 1 + (e.get("type") == "json_invalid")
            for e in raw
        ) or any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in raw):
            return problem(400, "malformed_request", "the body must be a JSON object")
        return problem(422, "validation_error", "the request is invalid", errors=_field_errors(raw))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code in BODY_REFUSALS and (refused := await caller_refused(request)):
            return refused
        code = HTTP_CODES.get(error.status_code, "error")
        response = problem(error.status_code, code, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> Response:
        log.exception("unexpected error")
        return problem(500, "internal_error", "an unexpected error occurred; it has been logged")
