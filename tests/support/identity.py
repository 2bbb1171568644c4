"""Identities set around the application's own checks, to test each layer on its own."""

from __future__ import annotations

from typing import Any

import psycopg

from persistence.roles import API_ROLE

FORGED = """select set_config('app.user_id', %(u)s, true), set_config('app.org_id', %(o)s, true),
                   set_config('app.role', %(r)s, true)"""
SEALED_BY_THE_SUPERUSER = """
    select set_config('app.user_id', %(u)s, true), set_config('app.org_id', %(o)s, true),
           set_config('app.role', %(r)s, true),
           set_config('app.identity_seal', app.identity_seal(%(u)s, %(o)s, %(r)s), true)"""


def forge(conn: psycopg.Connection[Any], user: object, org: object, role: str) -> None:
    """What a compromised process could try: the identity's settings set by hand, without
    ``app.act_as`` (the policies must see nobody)."""
    conn.execute(FORGED, {"u": str(user), "o": str(org), "r": role})


def sealed_as_api(superuser: psycopg.Connection[Any], user: object, org: object, role: str) -> None:
    """An identity the database believes, made by the superuser without ``app.act_as``'s
    check, and then the API's role for the rest of the transaction: the policies alone
    decide, as if the route guard, the service check and the identity check were all
    bypassed."""
    superuser.execute(SEALED_BY_THE_SUPERUSER, {"u": str(user), "o": str(org), "r": role})
    superuser.execute(f"set local role {API_ROLE}")
