"""Typed dependencies: who is calling (verified against the database) and the units of work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import tokens
from bulkreg.settings import Settings, get_settings
from domain.errors import Forbidden, Unauthenticated
from domain.model import Principal
from domain.services import identity
from persistence.uow import SqlUnitsOfWork
from workers import runtime

bearer = HTTPBearer(auto_error=False)


def units_of_work() -> SqlUnitsOfWork:
    return runtime.uows()


UnitsOfWorkDep = Annotated[SqlUnitsOfWork, Depends(units_of_work)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_principal(
    request: Request,
    uows: UnitsOfWorkDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    claimed = tokens.claimed_principal(credentials.credentials, settings.signing_secret())
    principal = identity.verify(uows, claimed)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def staff_principal(principal: CurrentPrincipal) -> Principal:
    """The route guard: only coordinators and admins reach staff routes."""
    if not principal.is_staff:
        raise Forbidden("this action is for coordinators and admins")
    return principal


StaffPrincipal = Annotated[Principal, Depends(staff_principal)]
