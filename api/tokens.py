"""HS256 bearer tokens: issued by the CLI, checked by the API."""

from __future__ import annotations

import time
from uuid import UUID

import jwt

from domain.errors import Unauthenticated
from domain.model import Principal, Role

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "role", "org_id", "iat", "exp"]
CLOCK_SKEW_SECONDS = 30


def issue(principal: Principal, secret: str, ttl_seconds: int = 3600) -> str:
    now = int(time.time())
    claims = {
        "sub": str(principal.user_id),
        "role": principal.role.value,
        "org_id": str(principal.org_id),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def claimed_principal(token: str, secret: str, max_ttl_seconds: int) -> Principal:
    """Only HS256 with our secret; ``alg: none`` and every other algorithm are refused.
    ``iat`` and ``exp`` must be numbers (PyJWT would take ``"9999999999"``), the token not
    issued in the future, and it may live at most ``max_ttl_seconds``: a leaked token ends."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS}
        )
        check_lifetime(claims, max_ttl_seconds)
        return Principal(
            UUID(str(claims["sub"])), UUID(str(claims["org_id"])), Role(claims["role"])
        )
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise Unauthenticated(f"invalid token: {error}") from error


def check_lifetime(claims: dict[str, object], max_ttl_seconds: int) -> None:
    issued, expires = claims["iat"], claims["exp"]
    for name, value in (("iat", issued), ("exp", expires)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number")
    assert isinstance(issued, int | float) and isinstance(expires, int | float)
    if issued > time.time() + CLOCK_SKEW_SECONDS:
        raise ValueError("issued in the future")
    if expires - issued > max_ttl_seconds:
        raise ValueError(f"lives longer than {max_ttl_seconds} seconds")
