"""JSON request bodies, read after the caller is authenticated and parsed strictly.

FastAPI reads and parses a declared body before any dependency runs — before the token is
checked, and on the event loop. A route here takes its body as ``json_body(Model)``
instead: a dependency that depends on the authenticated caller, so a bad token is a 401
before a byte of the body is read; that refuses a media type other than JSON (415); reads
the body through the size limit (``api.middleware.BodyLimit``); and parses it with
pydantic in strict mode — ``"45"`` is not an integer, ``"yes"`` not a boolean — in a worker
thread when it is large, so a big submission never stalls the event loop. Its errors are
the same ``RequestValidationError`` FastAPI raises, with ``loc`` starting at ``"body"``.

The schema of each such body is added to the OpenAPI document (``openapi_request_body``
and ``add_body_schemas``), so clients and schemathesis see it as if FastAPI had declared it.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException

from api.deps import CurrentPrincipal
from domain import explain
from domain.errors import FieldError

M = TypeVar("M", bound=BaseModel)
OFF_LOOP_BYTES = 64 * 1024  # below this, parsing costs less than the hand-off to a thread
REF = "#/components/schemas/{model}"
BODY_MODELS: list[type[BaseModel]] = []


def is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/…+json``, in UTF-8 if a charset is named. A
    body that does not say it is JSON is not read as JSON."""
    media, *parameters = (content_type or "").split(";")
    media = media.strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


class DuplicateKey(ValueError):
    pass


def duplicate_key(raw: bytes) -> str | None:
    """A member name that an object of the body repeats: JSON parsers keep the last one
    silently, so ``{"on_conflict": "skip", "on_conflict": "override"}`` would mean what the
    sender's own tools may show otherwise. A body that is not JSON at all is left to the
    model's parser, which says so."""
    try:
        json.loads(raw, object_pairs_hook=_refuse_duplicates)
    except DuplicateKey as repeated:
        return str(repeated)
    except ValueError:
        return None
    return None


async def parse_json(request: Request, model: type[M]) -> M:
    if not is_json(request.headers.get("content-type")):
        raise HTTPException(415, "the body must be JSON in UTF-8 (Content-Type: application/json)")
    raw = await request.body()
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "required"}])
    try:
        if len(raw) > OFF_LOOP_BYTES:
            return await run_in_threadpool(_validated, raw, model)
        return _validated(raw, model)
    except DuplicateKey as repeated:
        twice = f"{repeated} is given twice: keep one of them."
        raise refusal([FieldError(("body",), twice)]) from None
    except ValidationError as error:
        raise refusal(explain.field_errors(error, ("body",))) from None


# Marks a problem whose ``msg`` is this project's plain words already (``api.problems``
# words the framework's own).
PLAIN = "plain"


def refusal(problems: list[FieldError]) -> RequestValidationError:
    """A 422 of problems in plain words (``domain.explain``), each with its ``loc`` and
    ``type`` as found."""
    return RequestValidationError(
        [{"type": e.type, "loc": e.loc, "msg": e.msg, PLAIN: True} for e in problems]
    )


def _validated(raw: bytes, model: type[M]) -> M:
    if (repeated := duplicate_key(raw)) is not None:
        raise DuplicateKey(repr(repeated))
    return model.model_validate_json(raw, strict=True)


def json_body(model: type[M]) -> Any:
    """``Annotated[Model, json_body(Model)]``: the body, once the caller is known."""
    BODY_MODELS.append(model)

    async def read(request: Request, _: CurrentPrincipal) -> M:
        return await parse_json(request, model)

    return Depends(read)


def openapi_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route whose body is ``json_body(model)``."""
    schema = {"$ref": REF.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def add_body_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """The request models' schemas (in validation mode) under ``components.schemas``."""
    _, defs = models_json_schema([(model, "validation") for model in BODY_MODELS], ref_template=REF)
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in defs.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    return openapi
