"""Bearer tokens verified: HS256 ones that the CLI issues (``bulkreg.tokens``), and RS256 / ES256 ones that an identity
provider signs with a key of its JSON Web Key Set (``BULKREG_JWT_JWKS_URL``).

Either way a token is a claim, not a fact: the database verifies the principal it names
before anything is done (``persistence.uow``). An identity provider's token names its user
by ``sub`` (the user's ``auth_subject``); whom that is, and their role and organization,
the database says (``identity.principal_for_subject``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import jwt

from api.keyset import KeySet
from bulkreg.tokens import ALGORITHM, REQUIRED_CLAIMS
from domain.errors import Unauthenticated
from domain.model import Principal, Role

PROVIDER_ALGORITHMS = ["RS256", "ES256"]
PROVIDER_REQUIRED_CLAIMS = ["sub", "iat", "exp"]
CLOCK_SKEW_SECONDS = 30
KEY_SET_CACHE_SECONDS = 300
# A fetch of the key set, all of it, ends within this many seconds.
KEY_SET_TIMEOUT_SECONDS = 3.0
# A token naming a key the cached set lacks makes the set be fetched again — at most once per
# this many seconds after the last attempt, good or failed, so a flood of made-up key ids cannot
# flood the identity provider, and a rotated key is taken within seconds.
KEY_SET_REFRESH_COOLDOWN_SECONDS = 5.0


def algorithm_of(token: str) -> str:
    try:
        return str(jwt.get_unverified_header(token).get("alg"))
    except jwt.PyJWTError as error:
        raise Unauthenticated(f"invalid token: {error}") from error


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


@dataclass(frozen=True)
class ProviderClaims:
    subject: str
    claims: dict[str, Any]

    def agrees_with(self, principal: Principal) -> bool:
        """Role and organization come from the database; claims of them, if any, agree."""
        role, org = self.claims.get("role"), self.claims.get("org_id")
        return (role is None or role == principal.role.value) and (
            org is None or str(org) == str(principal.org_id)
        )


@lru_cache(maxsize=4)
def key_set(url: str) -> KeySet:
    """One cache per key-set URL for the process (see ``api.keyset`` for when it fetches)."""
    return KeySet(
        url,
        lifespan=KEY_SET_CACHE_SECONDS,
        deadline=KEY_SET_TIMEOUT_SECONDS,
        cooldown=KEY_SET_REFRESH_COOLDOWN_SECONDS,
    )


def provider_claims(
    token: str,
    jwks_url: str,
    *,
    issuer: str | None,
    audience: str | None,
    max_ttl_seconds: int,
) -> ProviderClaims:
    """An identity provider's token, verified with its key set. An unreachable key set is
    ``Unavailable`` (503), never a 500; anything wrong with the token is ``Unauthenticated``."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as error:
        raise Unauthenticated(f"invalid token: {error}") from error
    key = key_set(jwks_url).signing_key(kid if isinstance(kid, str) else None)
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=PROVIDER_ALGORITHMS,
            issuer=issuer,
            audience=audience,
            options={"require": PROVIDER_REQUIRED_CLAIMS, "verify_aud": audience is not None},
        )
        check_lifetime(claims, max_ttl_seconds)
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject or "\x00" in subject:
            raise ValueError("sub must be a non-empty string")
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise Unauthenticated(f"invalid token: {error}") from error
    return ProviderClaims(subject, claims)
