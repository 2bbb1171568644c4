"""One registration from the screen: a coordinator registers one activity for one person
picked from the roster, through the same use case as ``POST /v1/proxy-registrations``
(``domain.services.proxy.register``).

The page is one form posted back to itself, like the new bulk registration's: *Search*
shows other people of the roster and keeps what is filled in; *Register* registers. When
the person has the activity registered already, the page shows that record and asks
*Register anyway?*: a second submit, with ``override``. A registration lands on a page that
says what was registered, for whom, with a link to register another.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.deps import UnitsOfWorkDep
from api.routes.bulk import limits
from api.screen.base import Form, csrf_for, guarded, language_of, page, post
from api.screen.forms import Problem, activity_of, form_values
from api.screen.i18n import N_, words
from api.screen.messages import field_problem, where
from api.uploads import ACTIVITY_FIELDS
from bulkreg.foundation.metrics import ACTIVITIES_COMMITTED
from bulkreg.foundation.settings import get_settings
from domain.errors import DuplicateActivity, ExistingActivity, FieldError, ValidationFailed
from domain.explain import field_errors
from domain.model import Principal, ProxyRegistration
from domain.ports.units import UnitsOfWork
from domain.services import proxy, screen
from domain.words import phrase

FIELD_IDS = (*ACTIVITY_FIELDS, "person")
router = APIRouter()


def _field_of(loc: tuple[str | int, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "activity")]
    if parts and parts[0] in ("peer_mentor_id", "email", "member_number", "person"):
        return "person"
    return parts[0] if parts and parts[0] in ACTIVITY_FIELDS else None


def _problems(request: Request, errors: list[FieldError]) -> list[Problem]:
    said = words(language_of(request)[0])
    found: list[Problem] = []
    for e in errors:
        field = _field_of(e.loc)
        place = said.gettext("Person") if field == "person" else where(said, e.loc)
        found.append((place, *field_problem(said, e), field))
    return found


def _person(fields: Form) -> UUID | None:
    try:
        return UUID(str(fields.get("person") or ""))
    except ValueError:
        return None  # not one this page sent: asked for again


def _show(
    request: Request,
    uows: UnitsOfWork,
    principal: Principal,
    csrf: str,
    fields: Form,
    problems: list[Problem] | None = None,
    status: int = 200,
    duplicate: ExistingActivity | None = None,
) -> Response:
    chosen = _person(fields)
    form = screen.new_job_form(
        uows, principal, query=fields.get("q") or None, chosen=[chosen] if chosen else []
    )
    names = screen.names(uows, principal, {duplicate.registered_by} if duplicate else set())
    return page(
        request,
        "register.html",
        status,
        principal=principal,
        csrf=csrf,
        fields=fields,
        **form_values(form, problems),
        duplicate=duplicate,
        names=names,
    )


@router.get("/register")
def register_form(request: Request, uows: UnitsOfWorkDep, q: str | None = None) -> Response:
    def handler(principal: Principal, token: str) -> Response:
        return _show(request, uows, principal, csrf_for(token), {"q": q or ""})

    return guarded(request, uows, handler)


def _registration(fields: Form) -> ProxyRegistration:
    """The registration the form describes; every problem of it at once
    (``ValidationFailed``), in the order the page shows them."""
    problems: list[FieldError] = []
    activity = activity_of(fields, problems)
    person = _person(fields)
    if person is None:
        nobody = phrase(N_("Pick the person from the roster."))
        problems.append(FieldError.said(("body", "person"), nobody))
    body = {
        "peer_mentor_id": person,
        "activity": activity,
        "override_duplicate": fields.get("override") == "yes",
    }
    registration: ProxyRegistration | None = None
    try:
        registration = ProxyRegistration.model_validate(body)
    except ValidationError as error:
        said = {e.loc[-1] for e in problems} | {"peer_mentor_id"}
        problems += [e for e in field_errors(error) if e.loc[-1] not in said]
    if registration is None or problems:
        raise ValidationFailed(problems)
    return registration


@router.post("/register")
async def register(request: Request, uows: UnitsOfWorkDep) -> Response:
    def act(principal: Principal, form: Form, csrf: str) -> Response:
        fields: Form = {k: (str(v) if k == "notes" else str(v).strip()) for k, v in form.items()}
        if fields.get("action") != "register":
            return _show(request, uows, principal, csrf, fields)
        try:
            registration = _registration(fields)
            activity = proxy.register(uows, principal, registration, limits=limits(get_settings()))
        except ValidationFailed as failed:
            return _show(
                request, uows, principal, csrf, fields, _problems(request, failed.errors), 422
            )
        except DuplicateActivity as duplicate:
            return _show(
                request, uows, principal, csrf, fields, status=409, duplicate=duplicate.conflict
            )
        ACTIVITIES_COMMITTED.labels("proxy").inc()
        names = screen.names(uows, principal, {activity.peer_mentor_id})
        return page(
            request,
            "registered.html",
            principal=principal,
            csrf=csrf,
            activity=activity,
            names=names,
            overridden=activity.duplicate_of is not None,
        )

    return await post(request, uows, act)
