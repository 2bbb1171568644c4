"""Isolated organizations for tests and benchmarks, provisioned as the database owner: two
coordinators, an admin, an inactive peer mentor, ``peer_mentors`` active ones, and two
active activity types beside a retired one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID, uuid4

from sqlalchemy import Engine, text

from domain.model import Principal, Role


@dataclass
class Org:
    id: UUID
    coordinator: Principal
    coordinator2: Principal
    admin: Principal
    peer_mentors: list[UUID]
    inactive: UUID
    timezone: str = "UTC"
    types: list[str] = field(default_factory=lambda: ["home_visit", "phone_call"])

    def principal(self, user_id: UUID) -> Principal:
        return Principal(user_id, self.id, Role.PEER_MENTOR)

    @staticmethod
    def email(user_id: UUID) -> str:
        """Every user's email: their role and id (peer mentors are ``peer_mentor.<id>``)."""
        return f"peer_mentor.{user_id}@example.org"

    @staticmethod
    def member_number(user_id: UUID) -> str:
        """Every peer mentor's member number."""
        return "M-" + user_id.hex[:12].upper()


def make_org(engine: Engine, peer_mentors: int = 20) -> Org:
    org_id = uuid4()
    users = {
        "coordinator": uuid4(),
        "coordinator2": uuid4(),
        "admin": uuid4(),
        "inactive": uuid4(),
    }
    mentors = [uuid4() for _ in range(peer_mentors)]
    rows = [
        (users["coordinator"], "coordinator", True),
        (users["coordinator2"], "coordinator", True),
        (users["admin"], "admin", True),
        (users["inactive"], "peer_mentor", False),
        *[(m, "peer_mentor", True) for m in mentors],
    ]
    ids, roles, active = (list(column) for column in zip(*rows, strict=True))
    with engine.begin() as conn:
        conn.execute(
            text("insert into organizations (id, name, timezone) values (:id, :name, 'UTC')"),
            {"id": org_id, "name": f"org {org_id}"},
        )
        conn.execute(  # one statement, however many peer mentors (the benchmarks make 10,000s)
            text(
                """insert into users (id, org_id, role, display_name, active, email,
                       member_number)
                   select u.id, :org, u.role, u.role || ' ' || u.id, u.active,
                          u.role || '.' || u.id || '@example.org',
                          case when u.role = 'peer_mentor'
                               then 'M-' || upper(substr(replace(u.id::text, '-', ''), 1, 12))
                          end
                   from unnest(cast(:ids as uuid[]), cast(:roles as text[]),
                               cast(:active as boolean[])) as u(id, role, active)"""
            ),
            {"org": org_id, "ids": ids, "roles": roles, "active": active},
        )
        conn.execute(
            text(
                "insert into activity_types (org_id, code, name, active) values "
                "(:org, 'home_visit', 'Home visit', true), (:org, 'phone_call', 'Phone call', true), "
                "(:org, 'retired', 'Retired', false)"
            ),
            {"org": org_id},
        )
    return Org(
        id=org_id,
        coordinator=Principal(users["coordinator"], org_id, Role.COORDINATOR),
        coordinator2=Principal(users["coordinator2"], org_id, Role.COORDINATOR),
        admin=Principal(users["admin"], org_id, Role.ADMIN),
        peer_mentors=mentors,
        inactive=users["inactive"],
    )


def yesterday() -> date:
    return date.today() - timedelta(days=1)
