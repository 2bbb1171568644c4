"""The demo data as ``bulkreg seed-demo --json`` prints it and ``bulkreg up`` keeps it in
``.bulkreg/demo.json``: seeded idempotently, described with fresh tokens."""

from __future__ import annotations

from typing import Any

from bulkreg import tokens
from bulkreg.devstack.where import owner_database_url
from bulkreg.foundation.settings import Settings
from domain.model import Principal, Role
from persistence import seed
from persistence.database import make_engine

DEMO_TOKEN_TTL = 12 * 3600


def demo_payload(
    settings: Settings, peer_mentors: int, ttl: int = DEMO_TOKEN_TTL
) -> dict[str, Any]:
    """Seed (idempotently) and describe the demo data, with fresh tokens."""
    orgs = seed.demo_organizations(peer_mentors)
    engine = make_engine(owner_database_url(settings), pool_size=1)
    try:
        seed.seed(engine, orgs)
    finally:
        engine.dispose()
    secret = settings.signing_secret()

    def person(u: seed.DemoUser) -> dict[str, Any]:
        token = tokens.issue(Principal(u.id, u.org_id, Role(u.role)), secret, ttl)
        described: dict[str, Any] = {"id": str(u.id), "name": u.name, "email": u.email}
        if u.role == "peer_mentor":
            described["member_number"] = u.member_number
        return described | {"active": u.active, "token": token}

    return {
        "organizations": [
            {
                "id": str(o.id),
                "name": o.name,
                "timezone": o.timezone,
                "coordinators": [
                    {k: v for k, v in person(u).items() if k != "active"}
                    for u in o.users
                    if u.role == "coordinator"
                ],
                "admins": [person(u) for u in o.users if u.role == "admin"],
                "peer_mentors": [person(u) for u in o.users if u.role == "peer_mentor"],
                "activity_types": [
                    {"code": code, "name": name, "active": active}
                    for code, name, active in o.activity_types
                ],
            }
            for o in orgs
        ]
    }
