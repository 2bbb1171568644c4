"""Bearer tokens issued: HS256, signed with the stack's secret, naming a principal. The CLI
(``bulkreg token``), the demo data and the screen's sign-in issue them; the API verifies them
(``api.tokens``). It sits below the API so that the CLI need not import the API to issue one."""

from __future__ import annotations

import time

import jwt

from domain.model import Principal

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
