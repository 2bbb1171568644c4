"""Demo data: two organizations, their coordinators, peer mentors and activity types.

Ids are derived from names (uuid5), so every run yields the same ids and inserting again is
a no-op. Runs as the owner role, which provisions the directory tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import Engine, text

NS = uuid5(NAMESPACE_URL, "https://bulkreg.invalid/demo")


def demo_id(name: str) -> UUID:
    return uuid5(NS, name)


@dataclass
class DemoUser:
    id: UUID
    org_id: UUID
    role: str
    name: str
    active: bool = True


@dataclass
class DemoOrg:
    id: UUID
    name: str
    timezone: str
    users: list[DemoUser] = field(default_factory=list)
    activity_types: list[tuple[str, str, bool]] = field(default_factory=list)


def demo_organizations(peer_mentors: int = 30) -> list[DemoOrg]:
    first = DemoOrg(demo_id("org:1"), "Sunrise Peer Mentors", "Europe/Oslo")
    first.users += [
        DemoUser(demo_id(f"org:1:coordinator:{i}"), first.id, "coordinator", f"Coordinator {i}")
        for i in (1, 2)
    ]
    first.users.append(DemoUser(demo_id("org:1:admin:1"), first.id, "admin", "Admin 1"))
    first.users += [
        DemoUser(demo_id(f"org:1:peer_mentor:{i}"), first.id, "peer_mentor", f"Peer Mentor {i}")
        for i in range(1, peer_mentors + 1)
    ]
    first.users.append(
        DemoUser(demo_id("org:1:inactive:1"), first.id, "peer_mentor", "Former Mentor", False)
    )
    first.activity_types = [
        ("home_visit", "Home visit", True),
        ("phone_call", "Phone call", True),
        ("group_meeting", "Group meeting", True),
        ("legacy_visit", "Legacy visit (retired)", False),
    ]
    second = DemoOrg(demo_id("org:2"), "Harbour Mentoring", "UTC")
    second.users.append(
        DemoUser(demo_id("org:2:coordinator:1"), second.id, "coordinator", "Harbour Coordinator")
    )
    second.users += [
        DemoUser(demo_id(f"org:2:peer_mentor:{i}"), second.id, "peer_mentor", f"Harbour Mentor {i}")
        for i in (1, 2, 3)
    ]
    second.activity_types = [("home_visit", "Home visit", True), ("phone_call", "Phone call", True)]
    return [first, second]


def seed(engine: Engine, orgs: list[DemoOrg]) -> None:
    users = [u for org in orgs for u in org.users]
    with engine.begin() as conn:
        conn.execute(
            text(
                """insert into organizations (id, name, timezone) values (:id, :name, :tz)
                   on conflict (id) do nothing"""
            ),
            [{"id": o.id, "name": o.name, "tz": o.timezone} for o in orgs],
        )
        conn.execute(
            text(
                """insert into users (id, org_id, role, display_name, active)
                   select * from unnest(cast(:id as uuid[]), cast(:org as uuid[]),
                       cast(:role as text[]), cast(:name as text[]), cast(:active as boolean[]))
                   on conflict (id) do nothing"""
            ),
            {
                "id": [u.id for u in users],
                "org": [u.org_id for u in users],
                "role": [u.role for u in users],
                "name": [u.name for u in users],
                "active": [u.active for u in users],
            },
        )
        conn.execute(
            text(
                """insert into activity_types (org_id, code, name, active)
                   values (:org, :code, :name, :active) on conflict do nothing"""
            ),
            [
                {"org": o.id, "code": code, "name": name, "active": active}
                for o in orgs
                for code, name, active in o.activity_types
            ],
        )


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(text("select not exists (select 1 from organizations)")).scalar() is True
        )


def has_demo(engine: Engine) -> bool:
    with engine.connect() as conn:
        found = conn.execute(
            text("select exists (select 1 from organizations where id = :id)"),
            {"id": demo_id("org:1")},
        ).scalar()
    return found is True


def user_record(engine: Engine, user_id: UUID) -> tuple[UUID, str] | None:
    """(org_id, role) of a user, for issuing a token from the CLI."""
    with engine.connect() as conn:
        row = conn.execute(
            text("select org_id, role from users where id = :id"), {"id": user_id}
        ).first()
    return (row.org_id, row.role) if row else None
