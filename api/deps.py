"""Typed dependencies: who is calling (verified against the database) and the units of work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
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
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller as the token claims. The claim is checked against the database by the
    request's unit of work as it starts (see ``persistence.uow``): one transaction serves
    both the check and the request."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    return tokens.claimed_principal(credentials.credentials, settings.signing_secret())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_staff_claim(principal: Principal, uows: SqlUnitsOfWork) -> Principal:
    """The guard of the API's staff routes and the status screen: only coordinators and
    admins pass. A refusal first verifies the claim, so an unknown or inactive user still
    gets 401, not 403; a pass is verified by the request's own unit of work."""
    if not principal.is_staff:
        identity.verify(uows, principal)
        raise Forbidden("this is for coordinators and admins")
    return principal


def staff_principal(principal: CurrentPrincipal, uows: UnitsOfWorkDep) -> Principal:
    return require_staff_claim(principal, uows)


StaffPrincipal = Annotated[Principal, Depends(staff_principal)]
