"""Isolated organizations for tests and benchmarks, provisioned as the database owner: two
coordinators, an admin, an inactive peer mentor, ``peer_mentors`` active ones, and two
active activity types beside a retired one.

Every name, email and member number is chosen, never random, so no search or comparison
can come out differently from one run to the next (a search for "100" once found a
person whose name held a random id's ``1000e460c53b``). The n-th organization a process
makes is ``o<n>``; each of its people has a tag of their own: ``o3c1`` and ``o3c2`` its
coordinators, ``o3a1`` its admin, ``o3i1`` its inactive peer mentor and ``o3m01``,
``o3m02``, … its active ones (numbered to the same width, so the roster's order by name is
their order in ``Org.peer_mentors``). A person is named by their role and tag
("peer_mentor o3m07"), has the email ``peer_mentor.o3m07@example.org`` and, if a peer
mentor, the member number ``M-O3M07``. A tag is one word to the database's text search;
a roster search finds these people only by a term that starts as "peer", "mentor", a tag
(``o`` and a digit), an email (``peer_mentor.``) or a member number (``m-o``) does — none
of which any test searches for by accident.

The ids stay random: they are opaque (never searched; the roster orders by name, and no
two names are alike) and must be unique on a database that outlives a process, which the
benchmarks may be pointed at. For the same reason an organization's name ends with its id.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID, uuid4

from sqlalchemy import Engine, text

from domain.model import Principal, Role
from persistence.collation import keys_of

_ORGANIZATIONS = itertools.count(1)  # the organizations this process has made


@dataclass(frozen=True)
class Person:
    role: Role
    tag: str  # "o3m07": the 3rd organization's 7th active peer mentor

    @property
    def name(self) -> str:
        return f"{self.role.value} {self.tag}"

    @property
    def email(self) -> str:
        return f"{self.role.value}.{self.tag}@example.org"

    @property
    def member_number(self) -> str | None:
        return f"M-{self.tag.upper()}" if self.role is Role.PEER_MENTOR else None


_PEOPLE: dict[UUID, Person] = {}  # everyone ``make_org`` has made in this process


@dataclass
class Org:
    id: UUID
    coordinator: Principal
    coordinator2: Principal
    admin: Principal
    peer_mentors: list[UUID]
    inactive: UUID
    tag: str  # "o3": its people's tags start so; unique in the process, never random
    timezone: str = "UTC"
    types: list[str] = field(default_factory=lambda: ["home_visit", "phone_call"])

    def principal(self, user_id: UUID) -> Principal:
        return Principal(user_id, self.id, Role.PEER_MENTOR)

    @staticmethod
    def name(user_id: UUID) -> str:
        """The display name of anyone ``make_org`` made: their role and tag."""
        return _PEOPLE[user_id].name

    @staticmethod
    def email(user_id: UUID) -> str:
        """The email of anyone ``make_org`` made: ``<role>.<tag>@example.org``."""
        return _PEOPLE[user_id].email

    @staticmethod
    def member_number(user_id: UUID) -> str:
        """A peer mentor's member number: ``M-`` and their tag."""
        number = _PEOPLE[user_id].member_number
        assert number is not None, "only peer mentors have member numbers"
        return number


def make_org(engine: Engine, peer_mentors: int = 20) -> Org:
    n = next(_ORGANIZATIONS)
    org_id = uuid4()
    width = max(2, len(str(peer_mentors)))
    users = {
        uuid4(): Person(Role.COORDINATOR, f"o{n}c1"),
        uuid4(): Person(Role.COORDINATOR, f"o{n}c2"),
        uuid4(): Person(Role.ADMIN, f"o{n}a1"),
        uuid4(): Person(Role.PEER_MENTOR, f"o{n}i1"),
        **{
            uuid4(): Person(Role.PEER_MENTOR, f"o{n}m{k:0{width}}")
            for k in range(1, peer_mentors + 1)
        },
    }
    _PEOPLE.update(users)
    coordinator, coordinator2, admin, inactive, *mentors = users
    with engine.begin() as conn:
        conn.execute(
            text("insert into organizations (id, name, timezone) values (:id, :name, 'UTC')"),
            {"id": org_id, "name": f"org o{n} {org_id}"},
        )
        conn.execute(  # one statement, however many peer mentors (the benchmarks make 10,000s)
            text(
                """insert into users (id, org_id, role, display_name, name_sort_key,
                       name_sort_key_en, active, email, member_number)
                   select u.id, :org, u.role, u.name, u.key, u.key_en, u.id <> :inactive,
                          u.email, u.member
                   from unnest(cast(:ids as uuid[]), cast(:roles as text[]),
                               cast(:names as text[]), cast(:keys as bytea[]),
                               cast(:keys_en as bytea[]), cast(:emails as text[]),
                               cast(:members as text[]))
                        as u(id, role, name, key, key_en, email, member)"""
            ),
            {
                "org": org_id,
                "inactive": inactive,
                "ids": list(users),
                "roles": [p.role.value for p in users.values()],
                "names": [p.name for p in users.values()],
                "keys": keys_of((p.name for p in users.values()), "nb"),
                "keys_en": keys_of((p.name for p in users.values()), "en"),
                "emails": [p.email for p in users.values()],
                "members": [p.member_number for p in users.values()],
            },
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
        coordinator=Principal(coordinator, org_id, Role.COORDINATOR),
        coordinator2=Principal(coordinator2, org_id, Role.COORDINATOR),
        admin=Principal(admin, org_id, Role.ADMIN),
        peer_mentors=mentors,
        inactive=inactive,
        tag=f"o{n}",
    )


TODAY = date.today()  # once per process: a test that runs past midnight keeps its days


def yesterday() -> date:
    return TODAY - timedelta(days=1)
