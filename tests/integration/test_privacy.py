"""Personal data against the real database: a person named everywhere is exported whole and
erased everywhere (every text and JSON column of every table searched afterwards), a second
erasure is refused, and row-level security guards both on its own."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import Engine, text

from domain.errors import InvalidState
from domain.model import ActivityDraft, BulkSubmission, ParticipantRequest
from domain.rules import Limits
from domain.services import bulk, events, privacy
from domain.webhooks import WebhookRequest, check_url
from persistence import seed
from persistence.database import libpq_url
from persistence.privacy import SqlPersonalData
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.identity import sealed_as_api
from tests.support.jobs import process
from tests.support.orgs import Org, yesterday
from tests.support.servers import Servers

TEXT_COLUMNS = """
    select c.table_schema, c.table_name, c.column_name
    from information_schema.columns c
    join information_schema.tables t using (table_schema, table_name)
    where t.table_type = 'BASE TABLE'
      and c.table_schema not in ('pg_catalog', 'information_schema')
      and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
    order by 1, 2, 3"""


def holding(engine: Engine, values: list[str]) -> set[tuple[str, str, str]]:
    """Every (table, column, value) where a text or JSON column of any table holds one of
    the values, case-insensitively — read as the superuser, past row-level security."""
    found = set()
    with engine.connect() as conn:
        columns = conn.execute(text(TEXT_COLUMNS)).all()
        for schema, table, column in columns:
            for value in values:
                hits = conn.execute(
                    text(
                        f'select count(*) from "{schema}"."{table}" '
                        f'where strpos(lower("{column}"::text), lower(:v)) > 0'
                    ),
                    {"v": value},
                ).scalar_one()
                if hits:
                    found.add((f"{schema}.{table}", column, value))
    return found


def _submit(uows: SqlUnitsOfWork, org: Org, who: ParticipantRequest, notes: str, day: int) -> UUID:
    submission = BulkSubmission(
        activity=ActivityDraft(
            activity_type="home_visit",
            occurred_on=yesterday() - timedelta(days=day),
            duration_minutes=30,
            notes=notes,
        ),
        participants=[who],
    )
    job, _ = bulk.submit(uows, org.coordinator, submission, limits=Limits())
    process(uows, job.id)
    return job.id


def plant_everywhere(uows: SqlUnitsOfWork, owner: Engine, org: Org) -> UUID:
    """A peer mentor named in every place the system keeps anything about people."""
    person = org.peer_mentors[0]
    name, email, member = Org.name(person), Org.email(person), Org.member_number(person)
    events.create_webhook(
        uows,
        org.admin,
        WebhookRequest(url="http://127.0.0.1:9/hook", types=["*"]),
        check_url=lambda u: check_url(u, allow_private=True),
    )
    # Job items by each kind of key; the notes name them too (the job's activity and the
    # activities written).
    _submit(uows, org, ParticipantRequest(peer_mentor_id=person), f"Visit with {name}", 1)
    _submit(uows, org, ParticipantRequest(email=email.upper()), f"Called {email}", 2)
    _submit(uows, org, ParticipantRequest(member_number=member), f"Member {member}", 3)
    # Someone else's record whose notes mention them.
    _submit(
        uows,
        org,
        ParticipantRequest(peer_mentor_id=org.peer_mentors[1]),
        f"Went with {name.upper()}",
        4,
    )
    with owner.begin() as conn:
        conn.execute(
            text(
                """insert into audit_log (org_id, actor_id, action, target, details)
                   values (:org, :person, 'roster.update', 'user:' || :person,
                           cast(:details as jsonb)),
                          (:org, :admin, 'roster.update', :email, '{}')"""
            ),
            {
                "org": org.id,
                "person": person,
                "admin": org.admin.user_id,
                "email": email,
                "details": json.dumps({"name": name, "emails": [email], "member": member}),
            },
        )
        conn.execute(
            text("select app.emit_event(:org, 'anomaly.opened', cast(:body as jsonb))"),
            {"org": org.id, "body": json.dumps({"person": {"name": name, "email": email}})},
        )
        conn.execute(
            text(
                """insert into webhook_attempts (delivery_id, attempt, org_id, at, error,
                                                  duration_ms)
                   select id, 1, org_id, now(), :error, 5 from webhook_deliveries
                   where org_id = :org limit 1"""
            ),
            {"org": org.id, "error": f"receiver said: unknown {email}"},
        )
        conn.execute(
            text(
                """insert into sign_in_links (digest, user_id, expires_at)
                   values (:digest, :person, now() + interval '1 hour')"""
            ),
            {"digest": uuid4().bytes, "person": person},
        )
        conn.execute(
            text(
                """insert into screen_sessions (digest, user_id, expires_at)
                   values (:digest, :person, now() + interval '1 hour')"""
            ),
            {"digest": uuid4().bytes, "person": person},
        )
        # Mail to them (a sign-in link's) and mail about them (a job's first conflicts).
        conn.execute(
            text(
                """insert into emails (org_id, recipient_user_id, kind, language, to_address,
                                       payload)
                   values (:org, :person, 'sign_in_link', 'nb', :email,
                           cast(:link as jsonb)),
                          (:org, :coordinator, 'job_needs_review', 'nb', 'c@example.org',
                           cast(:conflicts as jsonb))"""
            ),
            {
                "org": org.id,
                "person": person,
                "coordinator": org.coordinator.user_id,
                "email": email,
                "link": json.dumps({"link": "http://127.0.0.1/ui/signin/secret", "minutes": 15}),
                "conflicts": json.dumps({"conflicts": [{"name": name, "line": 2}]}),
            },
        )
    return person


def test_an_erased_person_is_found_nowhere(
    uows: SqlUnitsOfWork,
    api_engine: Engine,
    owner_engine: Engine,
    superuser_engine: Engine,
    org: Org,
) -> None:
    person = plant_everywhere(uows, owner_engine, org)
    values = [Org.name(person), Org.email(person), Org.member_number(person)]
    before = {(table, column) for table, column, _ in holding(superuser_engine, values)}
    # The search finds them where they were planted (so finding nothing afterwards means
    # something).
    assert {
        ("public.users", "display_name"),
        ("public.users", "email"),
        ("public.users", "member_number"),
        ("public.bulk_job_items", "given_value"),
        ("public.bulk_job_items", "display_name"),
        ("public.bulk_jobs", "activity"),
        ("public.activities", "notes"),
        ("public.audit_log", "details"),
        ("public.audit_log", "target"),
        ("public.events", "data"),
        ("public.webhook_attempts", "error"),
    } <= before
    participant_records = count(
        owner_engine, "select count(*) from activities where peer_mentor_id = :p", p=person
    )

    people = SqlPersonalData(api_engine)
    pseudonym = privacy.erase(
        people, org.admin, person, reason=f"{Org.name(person)} asked to be forgotten"
    )

    assert pseudonym.startswith("Erased person ")
    assert holding(superuser_engine, values) == set()
    with owner_engine.connect() as conn:
        user = conn.execute(
            text("select display_name, active, erased_at from users where id = :p"),
            {"p": person},
        ).one()
        entry = conn.execute(
            text(
                """select actor_id, details from audit_log
                   where action = 'person.erase' and target = 'user:' || :p"""
            ),
            {"p": person},
        ).one()
        kept_notes = conn.execute(
            text("select count(*) from activities where peer_mentor_id = :p and notes is not null"),
            {"p": person},
        ).scalar_one()
        open_sessions = conn.execute(
            text("select count(*) from screen_sessions where user_id = :p and ended_at is null"),
            {"p": person},
        ).scalar_one()
        links = conn.execute(
            text("select count(*) from sign_in_links where user_id = :p"), {"p": person}
        ).scalar_one()
    assert (user.display_name, user.active) == (pseudonym, False)
    assert user.erased_at is not None
    assert entry.actor_id == org.admin.user_id
    assert entry.details == {"reason": f"{pseudonym} asked to be forgotten", "pseudonym": pseudonym}
    assert (kept_notes, open_sessions, links) == (0, 0, 0)
    # The activities stay, with their ids.
    assert participant_records == count(
        owner_engine, "select count(*) from activities where peer_mentor_id = :p", p=person
    )
    # Erasing again is refused, and changes nothing.
    with pytest.raises(InvalidState):
        privacy.erase(people, org.admin, person, reason="again")
    assert count(owner_engine, "select count(*) from audit_log where action = 'person.erase'") >= 1


def test_the_export_holds_everything_and_no_secret(
    uows: SqlUnitsOfWork, api_engine: Engine, owner_engine: Engine, org: Org
) -> None:
    person = plant_everywhere(uows, owner_engine, org)

    document = privacy.export(SqlPersonalData(api_engine), org.admin, person)

    assert document["profile"]["email"] == Org.email(person)
    assert document["profile"]["member_number"] == Org.member_number(person)
    assert [r["role"] for r in document["role_history"]] == ["peer_mentor"]
    assert {i["given_kind"] for i in document["bulk_job_items"]} == {
        "peer_mentor_id",
        "email",
        "member_number",
    }
    assert len(document["activities_as_participant"]) >= 1
    assert document["activities_as_registrar"] == []
    assert len(document["audit_log"]) == 2
    assert len(document["events"]) == 1
    assert len(document["webhook_deliveries"]) == 1
    assert set(document["sign_in_links"][0]) == {"created_at", "expires_at", "used_at"}
    assert sorted(e["kind"] for e in document["emails"]) == ["job_needs_review", "sign_in_link"]
    assert "secret" not in json.dumps(document["emails"])  # a link's email without its link
    assert set(document["screen_sessions"][0]) == {
        "created_at",
        "last_seen_at",
        "expires_at",
        "ended_at",
    }
    # The command line's document (as the owner) is the same.
    assert SqlPersonalData(owner_engine).export(None, person) == document


def _as_api(servers: Servers, org: Org, user: object, role: str, statement: str, **p: Any) -> Any:
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        sealed_as_api(conn, user, org.id, role)
        return conn.execute(statement, p).fetchone()


def test_only_an_admin_of_the_persons_organization_reaches_them(
    servers: Servers, owner_engine: Engine, org: Org, other_org: Org
) -> None:
    """Row-level security alone: identities sealed by the superuser, the API's role."""
    person = org.peer_mentors[0]
    erase = "select app.erase_person(%(p)s, 'a reason')"
    export = "select app.person_export(%(p)s)"
    assert _as_api(servers, org, org.coordinator.user_id, "coordinator", erase, p=person) == (
        "forbidden",
    )
    assert _as_api(servers, other_org, other_org.admin.user_id, "admin", erase, p=person) == (
        "not_found",
    )
    assert _as_api(servers, org, org.admin.user_id, "admin", "select app.erase_person(%(p)s, ' ')",
                   p=person) == ("no_reason",)  # fmt: skip
    assert _as_api(servers, org, org.coordinator.user_id, "coordinator", export, p=person) == (
        None,
    )
    assert _as_api(servers, other_org, other_org.admin.user_id, "admin", export, p=person) == (
        None,
    )
    assert (
        count(
            owner_engine, "select count(*) from users where id = :p and erased_at is null", p=person
        )
        == 1
    )


@pytest.mark.parametrize(
    "statement",
    [
        "update users set display_name = 'x' where id = %(p)s",
        "update bulk_job_items set given_value = 'x'",
        "select app.erase_person_as_owner(%(p)s, 'why', null)",
        "select app.person_export_as_owner(%(p)s)",
        "select app.expire('audit_log', now(), 10)",
        "delete from audit_log",
    ],
)
def test_the_apis_role_has_no_other_way_there(servers: Servers, org: Org, statement: str) -> None:
    with pytest.raises(InsufficientPrivilege):
        _as_api(servers, org, org.admin.user_id, "admin", statement, p=org.peer_mentors[0])


def test_seeding_the_demo_again_does_not_bring_an_erased_person_back(owner_engine: Engine) -> None:
    orgs = seed.demo_organizations(3)
    seed.seed(owner_engine, orgs)
    former = next(u for u in orgs[0].users if not u.active)
    people = SqlPersonalData(owner_engine)
    pseudonym = privacy.answered(people.erase(None, former.id, "asked by letter"))

    seed.seed(owner_engine, orgs)

    profile = (people.export(None, former.id) or {})["profile"]
    assert (profile["display_name"], profile["email"], profile["member_number"]) == (
        pseudonym,
        None,
        None,
    )
    assert people.erase(None, former.id, "again") == "already_erased"
