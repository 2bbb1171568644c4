"""HS256 bearer tokens: issued by the CLI, checked by the API."""

from __future__ import annotations

import time
from uuid import UUID

import jwt

from domain.errors import Unauthenticated
from domain.model import Principal, Role

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "role", "org_id", "iat", "exp"]


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


def claimed_principal(token: str, secret: str) -> Principal:
    """Only HS256 with our secret; ``alg: none`` and every other algorithm are refused."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS}
        )
        return Principal(
            UUID(str(claims["sub"])), UUID(str(claims["org_id"])), Role(claims["role"])
        )
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise Unauthenticated(f"invalid token: {error}") from error
