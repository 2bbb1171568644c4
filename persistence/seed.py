"""Demo data: two organizations, their coordinators, peer mentors and activity types.

Ids are derived from names (uuid5), so every run yields the same ids and inserting again is
a no-op. Runs as the owner role, which provisions the directory tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import Engine, text

from persistence.collation import keys_of

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
    email: str = ""
    member_number: str | None = None


FIRST = (
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Nora",
    "Emil",
    "Sofie",
    "Jonas",
    "Maja",
    "Henrik",
    "Ida",
    "Magnus",
    "Thea",
    "Sander",
    "Emma",
    "Filip",
    "Aisha",
    "Tomasz",
    "Linh",
    "Omar",
)
LAST = ("Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
        "Berg", "Haugen", "Dahl", "Lie", "Moen", "Strand", "Bakken", "Solberg", "Eide")  # fmt: skip


def person_name(n: int) -> str:
    """The n-th demo person's name: varied, so a search by the start of a name finds a few."""
    return f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"


def _email(name: str, n: int, domain: str) -> str:
    return f"{name.lower().replace(' ', '.')}.{n}@{domain}"


def _people(org: DemoOrg, role: str, count: int, domain: str, prefix: str, start: int) -> None:
    for i in range(1, count + 1):
        name = person_name(start + i)
        org.users.append(
            DemoUser(
                demo_id(f"{org.key}:{role}:{i}"), org.id, role, name,
                email=_email(name, i, domain),
                member_number=f"{prefix}-{1000 + i}" if role == "peer_mentor" else None,
            )
        )  # fmt: skip


@dataclass
class DemoOrg:
    key: str
    id: UUID
    name: str
    timezone: str
    users: list[DemoUser] = field(default_factory=list)
    activity_types: list[tuple[str, str, bool]] = field(default_factory=list)


def demo_organizations(peer_mentors: int = 30) -> list[DemoOrg]:
    first = DemoOrg("org:1", demo_id("org:1"), "Sunrise Peer Mentors", "Europe/Oslo")
    _people(first, "coordinator", 2, "sunrise.example.org", "S", 100)
    first.users.append(
        DemoUser(demo_id("org:1:admin:1"), first.id, "admin", "Astrid Admin",
                 email="admin@sunrise.example.org")
    )  # fmt: skip
    _people(first, "peer_mentor", peer_mentors, "sunrise.example.org", "S", 0)
    first.users.append(
        DemoUser(demo_id("org:1:inactive:1"), first.id, "peer_mentor", "Former Mentor", False,
                 email="former.mentor@sunrise.example.org", member_number="S-0001")
    )  # fmt: skip
    first.activity_types = [
        ("home_visit", "Home visit", True),
        ("phone_call", "Phone call", True),
        ("group_meeting", "Group meeting", True),
        ("legacy_visit", "Legacy visit (retired)", False),
    ]
    second = DemoOrg("org:2", demo_id("org:2"), "Harbour Mentoring", "UTC")
    _people(second, "coordinator", 1, "harbour.example.org", "H", 200)
    _people(second, "peer_mentor", 3, "harbour.example.org", "H", 300)
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
                # Demo users made before they had emails get them now; nothing else of an
                # existing user changes, and an erased one (docs/privacy.md) stays erased.
                """insert into users (id, org_id, role, display_name, name_sort_key,
                       name_sort_key_en, active, email, member_number)
                   select * from unnest(cast(:id as uuid[]), cast(:org as uuid[]),
                       cast(:role as text[]), cast(:name as text[]), cast(:key as bytea[]),
                       cast(:key_en as bytea[]), cast(:active as boolean[]),
                       cast(:email as text[]),
                       cast(:member as text[]))
                   on conflict (id) do update
                   set email = coalesce(users.email, excluded.email),
                       member_number = coalesce(users.member_number, excluded.member_number),
                       display_name = case when users.email is null
                                           then excluded.display_name
                                           else users.display_name end,
                       name_sort_key = case when users.email is null
                                            then excluded.name_sort_key
                                            else users.name_sort_key end,
                       name_sort_key_en = case when users.email is null
                                               then excluded.name_sort_key_en
                                               else users.name_sort_key_en end
                   where users.erased_at is null"""
            ),
            {
                "id": [u.id for u in users],
                "org": [u.org_id for u in users],
                "role": [u.role for u in users],
                "name": [u.name for u in users],
                "key": keys_of((u.name for u in users), "nb"),
                "key_en": keys_of((u.name for u in users), "en"),
                "active": [u.active for u in users],
                "email": [u.email for u in users],
                "member": [u.member_number for u in users],
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
