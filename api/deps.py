"""Typed dependencies: who is calling (verified against the database) and the units of work.

They are ``async def`` although they do no waiting: FastAPI runs a plain ``def`` dependency
in its thread pool, one hand-off per dependency per request, which cost more than the work
itself. Only the endpoints, which talk to the database, run in the pool.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from api import tokens
from bulkreg import composition_root
from bulkreg.foundation.settings import Settings, get_settings
from domain.errors import Forbidden, Unauthenticated
from domain.model import Principal, Role
from domain.ports.units import UnitsOfWork
from domain.services import identity

bearer = HTTPBearer(auto_error=False)
basic = HTTPBasic(auto_error=False, realm="bulkreg operators")


async def units_of_work() -> UnitsOfWork:
    return composition_root.uows()


async def settings() -> Settings:
    return get_settings()


UnitsOfWorkDep = Annotated[UnitsOfWork, Depends(units_of_work)]
SettingsDep = Annotated[Settings, Depends(settings)]


async def current_principal(
    settings: SettingsDep,
    uows: UnitsOfWorkDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller as the token claims. The claim is checked against the database by the
    request's unit of work as it starts (see ``persistence.uow``): one transaction serves
    both the check and the request. An identity provider's token needs its key set and the
    directory first, so it is read in the thread pool."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    token = credentials.credentials
    if tokens.algorithm_of(token) == tokens.ALGORITHM:
        return claimed(token, settings, uows)
    return await run_in_threadpool(claimed, token, settings, uows)


def claimed(token: str, settings: Settings, uows: UnitsOfWork) -> Principal:
    """The principal a token claims: signature, algorithm, claims and lifetime checked;
    not yet the database (see ``verify_caller``) — except for an identity provider's token,
    whose ``sub`` the directory turns into a principal."""
    if settings.jwt_jwks_url and tokens.algorithm_of(token) in tokens.PROVIDER_ALGORITHMS:
        provided = tokens.provider_claims(
            token,
            settings.jwt_jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            max_ttl_seconds=settings.max_token_ttl_seconds,
        )
        principal = identity.principal_for_subject(uows, provided.subject)
        if principal is None or not provided.agrees_with(principal):
            raise Unauthenticated("no active user has this identity provider's subject")
        return principal
    return tokens.claimed_principal(
        token, settings.signing_secret(), settings.max_token_ttl_seconds
    )


def verify_caller(authorization: str | None) -> None:
    """Authentication before anything else: a request that is refused for what it sent is
    first checked for who sent it, against the database too, so a deactivated user's
    malformed request is a 401, not a 422. Raises ``Unauthenticated``; a request without
    credentials passes (its route refuses it, or needs none)."""
    if authorization is None:
        return
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    uows = composition_root.uows()  # called by an exception handler: no dependency runs there
    identity.verify(uows, claimed(token.strip(), get_settings(), uows))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_staff_claim(principal: Principal, uows: UnitsOfWork) -> Principal:
    """The guard of the API's staff routes and the status screen: only coordinators and
    admins pass. A refusal first verifies the claim, so an unknown or inactive user still
    gets 401, not 403; a pass is verified by the request's own unit of work."""
    if not principal.is_staff:
        identity.verify(uows, principal)
        raise Forbidden("this is for coordinators and admins")
    return principal


async def staff_principal(principal: CurrentPrincipal, uows: UnitsOfWorkDep) -> Principal:
    if principal.is_staff:
        return principal
    return await run_in_threadpool(require_staff_claim, principal, uows)  # refused: verify first


StaffPrincipal = Annotated[Principal, Depends(staff_principal)]


def _refuse_non_admin(principal: Principal, uows: UnitsOfWork) -> Principal:
    identity.verify(uows, principal)  # an unknown or inactive user is 401 first
    raise Forbidden("this is for admins")


async def admin_principal(principal: CurrentPrincipal, uows: UnitsOfWorkDep) -> Principal:
    """The guard of the admins' routes (the audit log)."""
    if principal.role is Role.ADMIN:
        return principal
    return await run_in_threadpool(_refuse_non_admin, principal, uows)


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]


class OperatorLoginRequired(Exception):
    """401 with a Basic challenge: the operators' endpoints take their login, not a token."""


async def operator(
    settings: SettingsDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
) -> None:
    """The operators' login (``BULKREG_FLOWER_BASIC_AUTH``), compared in constant time."""
    expected = settings.flower_login().encode()
    given = f"{credentials.username}:{credentials.password}" if credentials else ""
    if not hmac.compare_digest(given.encode(), expected):
        raise OperatorLoginRequired


Operator = Depends(operator)


VISIBLE_ASCII = r"^[\x21-\x7e]+$"


async def idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=VISIBLE_ASCII,
            description="1-255 visible ASCII characters; sent once",
        ),
    ] = None,
) -> str | None:
    """One ``Idempotency-Key`` of visible ASCII: a tab, a byte outside ASCII, or the header
    twice (which one would count?) is a 422, not a key."""
    if len(request.headers.getlist("idempotency-key")) > 1:
        raise RequestValidationError(
            [
                {
                    "type": "too_many_values",
                    "loc": ("header", "idempotency-key"),
                    "msg": "send the Idempotency-Key header once",
                }
            ]
        )
    return idempotency_key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
