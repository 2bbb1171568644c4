"""People by the keys they have, on the real database: keys resolved in the worker's
screening statement by index, the roster's search by index, single-use sign-in links,
identity-provider subjects, and rosters imported all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from domain.errors import Unauthenticated
from domain.model import (
    ActivityDraft,
    BulkSubmission,
    JobStatus,
    KeyKind,
    Outcome,
    ParticipantRequest,
    ProxyRegistration,
    Role,
    Source,
)
from domain.rules import Limits
from domain.services import bulk, directory, identity, proxy
from persistence import provisioning
from persistence.collation import sort_key
from persistence.provisioning import ProvisioningError, RosterLine
from persistence.repositories.screening import SCREEN_JOB
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import process
from tests.support.orgs import Org, yesterday
from tests.support.plans import plan_with_only


def draft(minutes: int = 45) -> ActivityDraft:
    return ActivityDraft(
        activity_type="home_visit", occurred_on=yesterday(), duration_minutes=minutes
    )


def test_every_kind_of_key_resolves_in_the_worker_and_conflicts_say_everything(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, owner_engine: Engine
) -> None:
    a, b, c = org.peer_mentors[:3]
    prior = proxy.register(
        uows,
        org.coordinator2,
        ProxyRegistration(peer_mentor_id=c, activity=draft(30).model_copy(update={"notes": "n"})),
        limits=Limits(),
    )
    submission = BulkSubmission(
        activity=draft(),
        participants=[
            ParticipantRequest(email=Org.email(a).upper()),
            ParticipantRequest(member_number=Org.member_number(b)),
            ParticipantRequest(peer_mentor_id=c),
            ParticipantRequest(peer_mentor_id=a),  # a again, by id
            ParticipantRequest(email="nobody@example.org"),
            ParticipantRequest(email=Org.email(other_org.peer_mentors[0])),
            ParticipantRequest(member_number=Org.member_number(org.inactive)),
        ],
    )
    job, _ = bulk.submit(uows, org.coordinator, submission, limits=Limits())
    pending = bulk.get(uows, org.coordinator, job.id).items
    assert all(i.peer_mentor_id is None and i.display_name is None for i in pending)
    assert pending[0].given.kind is KeyKind.EMAIL and pending[0].given.value == Org.email(a).upper()

    assert process(uows, job.id) is JobStatus.NEEDS_REVIEW
    items = bulk.get(uows, org.coordinator, job.id).items
    assert [(i.peer_mentor_id, i.outcome, i.error_code) for i in items] == [
        (a, Outcome.READY, None),
        (b, Outcome.READY, None),
        (c, Outcome.CONFLICT, None),
        (a, Outcome.INVALID, "duplicate_participant"),
        (None, Outcome.INVALID, "unknown_participant"),
        (None, Outcome.INVALID, "unknown_participant"),  # nothing of the other org leaks
        (org.inactive, Outcome.INVALID, "inactive_participant"),
    ]
    assert items[0].display_name == Org.name(a)
    conflict = items[2].conflict
    assert conflict is not None
    assert (conflict.activity_id, conflict.duration_minutes, conflict.notes) == (prior.id, 30, "n")
    assert (conflict.source, conflict.bulk_job_id, conflict.registered_by) == (
        Source.PROXY.value,
        None,
        org.coordinator2.user_id,
    )


def test_keys_are_resolved_by_index_probes_in_one_statement(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    participants = [ParticipantRequest(email=Org.email(pm)) for pm in org.peer_mentors[:10]]
    participants += [ParticipantRequest(member_number=Org.member_number(org.peer_mentors[10]))]
    job, _ = bulk.submit(
        uows,
        org.coordinator,
        BulkSubmission(activity=draft(), participants=participants),
        limits=Limits(),
    )

    # As the worker plans it: under the submitter's identity and row-level security, on a
    # generic plan. Each kind of key with only its own index beside the primary key (on an
    # organization this small the planner may prefer any index on it and a filter): its
    # probe is an index condition only if the policies let it be one.
    def plan_with(index: str | None) -> str:
        with superuser_engine.connect() as conn, conn.begin() as transaction:
            others = conn.execute(
                text(
                    "select indexname from pg_indexes where tablename = 'users' "
                    "and indexname not in ('users_pkey', :keep)"
                ),
                {"keep": index or "users_pkey"},
            ).scalars()
            conn.execute(text("drop index " + ", ".join(others)))
            conn.execute(text("set local role bulkreg_api"))
            conn.execute(
                text("select app.act_as(:u, :o, 'coordinator')"),
                {"u": org.coordinator.user_id, "o": org.id},
            )
            conn.execute(text("set local plan_cache_mode = force_generic_plan"))
            conn.execute(text("set local enable_seqscan = off"))
            conn.execute(text("deallocate all"))
            conn.execute(text("prepare screen(uuid) as " + SCREEN_JOB.text.replace(":job", "$1")))
            plan = "\n".join(
                r[0] for r in conn.execute(text(f"explain execute screen('{job.id}')"))
            )
            transaction.rollback()
        return plan

    for index, probe in (
        (None, "(id = (i.given_value)::uuid)"),
        ("users_org_email", "(email_key = i.given_key))"),
        ("users_org_member_number", "(member_number = i.given_value))"),
    ):
        plan = plan_with(index)
        conditions = [line.strip() for line in plan.splitlines() if "Index Cond" in line]
        assert any(probe in c for c in conditions), plan
    assert "One-Time Filter: ((i.given_kind = 'email'::text)" in plan  # only its kind's probe
    assert "Seq Scan" not in plan


def test_the_roster_is_searched_by_the_start_of_a_name_word_email_or_member_number(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine, superuser_engine: Engine
) -> None:
    kari = provisioning.add_user(
        owner_engine,
        org.id,
        role=Role.PEER_MENTOR,
        name="Kari Nordmann",
        email="kari.n@example.org",
        member_number="Z-100_%",
    )
    provisioning.add_user(
        owner_engine, org.id, role=Role.PEER_MENTOR, name="Ola Karlsen", email="ola@example.org"
    )

    def found(q: str) -> list[str]:
        page = directory.peer_mentors(
            uows, org.coordinator, query=q, active=None, cursor=None, limit=50
        )
        return [u.display_name for u in page.items]

    assert found("kar") == ["Kari Nordmann", "Ola Karlsen"]  # a word of either name
    assert found("nord") == ["Kari Nordmann"]
    assert found("KARI.N@") == ["Kari Nordmann"]
    assert found("z-100_%") == ["Kari Nordmann"]  # LIKE's wildcards are literal
    assert found("z-10%x") == []
    assert found("ari") == []  # the start of a word, not any part
    assert found("100") == []
    seventh = org.peer_mentors[6]  # the fixture's people are found by their tag alone
    assert found(Org.name(seventh).split()[-1]) == [Org.name(seventh)]
    me = directory.me(uows, org.coordinator)
    assert (me.id, me.role, me.email) == (
        org.coordinator.user_id,
        Role.COORDINATOR,
        Org.email(org.coordinator.user_id),
    )
    assert {t.code for t in directory.activity_types(uows, org.coordinator)} >= {"home_visit"}

    first = directory.peer_mentors(
        uows, org.coordinator, query=None, active=True, cursor=None, limit=7
    )
    second = directory.peer_mentors(
        uows, org.coordinator, query=None, active=True, cursor=first.next_cursor, limit=50
    )
    names = [u.display_name for u in first.items + second.items]
    assert names == sorted(names, key=lambda name: sort_key(name, "nb")) and len(names) == len(
        set(u.id for u in first.items + second.items)
    )
    assert kari in {u.id for u in first.items + second.items}
    assert all(u.active for u in first.items + second.items)

    def plan_of(condition: str, index: str) -> str:
        return plan_with_only(
            superuser_engine,
            org.id,
            f"select id from users where org_id = :o and {condition}",
            index,
        )

    words = (
        "to_tsvector('pg_catalog.simple', lower(display_name collate pg_unicode_fast))"
        " @@ to_tsquery('pg_catalog.simple', 'kar:*')"
    )
    assert "users_name_words" in plan_of(words, "users_name_words")
    for column, index in (
        ("email_key", "users_email_prefix"),
        ("member_key", "users_member_number_prefix"),
    ):
        plan = plan_of(f"{column} ~>=~ 'kar' and {column} ~<~ 'kas'", index)
        assert f"({column} ~>=~ 'kar'::text)" in plan and "Index Cond" in plan, plan


def test_a_sign_in_link_works_once_and_not_after_it_expires(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine
) -> None:
    link = provisioning.sign_in_link(owner_engine, org.coordinator, ttl_seconds=60)
    assert identity.redeem_sign_in_link(uows, link) == org.coordinator
    with pytest.raises(Unauthenticated):
        identity.redeem_sign_in_link(uows, link)
    expired = provisioning.sign_in_link(owner_engine, org.coordinator, ttl_seconds=60)
    with owner_engine.begin() as conn:
        conn.execute(
            text("update sign_in_links set expires_at = now() - :ago where digest = :d"),
            {"ago": timedelta(seconds=1), "d": identity.link_digest(expired)},
        )
    with pytest.raises(Unauthenticated):
        identity.redeem_sign_in_link(uows, expired)
    with pytest.raises(Unauthenticated):
        identity.redeem_sign_in_link(uows, "made-up")
    with pytest.raises(ProvisioningError):
        provisioning.sign_in_link(owner_engine, org.principal(org.peer_mentors[0]), 60)
    deactivated = provisioning.sign_in_link(owner_engine, org.coordinator2, ttl_seconds=60)
    provisioning.deactivate_user(owner_engine, org.id, Org.email(org.coordinator2.user_id))
    with pytest.raises(Unauthenticated):
        identity.redeem_sign_in_link(uows, deactivated)


def test_an_identity_provider_subject_names_an_active_user(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine
) -> None:
    subject = f"kc-ida-{org.tag}"  # unique in the session, as auth subjects must be
    user = provisioning.add_user(
        owner_engine,
        org.id,
        role=Role.COORDINATOR,
        name="Ida",
        email=f"{subject}@example.org",
        auth_subject=subject,
    )
    found = identity.principal_for_subject(uows, subject)
    assert found is not None and (found.user_id, found.role) == (user, Role.COORDINATOR)
    assert identity.principal_for_subject(uows, "someone-else") is None
    provisioning.deactivate_user(owner_engine, org.id, f"{subject}@example.org")
    assert identity.principal_for_subject(uows, subject) is None


def test_a_roster_is_imported_all_or_nothing_and_matched_by_email(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine
) -> None:
    lines = [
        RosterLine(2, "Nora Berg", "nora@example.org", "R-1", True),
        RosterLine(3, "Emil Dahl", "emil@example.org", None, True),
    ]
    first = provisioning.import_roster(owner_engine, org.id, lines)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = provisioning.import_roster(
        owner_engine,
        org.id,
        [
            RosterLine(2, "Nora Berg", "NORA@example.org", "R-1", True),
            RosterLine(3, "Emil Dahl", "emil@example.org", None, False),
        ],
    )
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    with pytest.raises(ProvisioningError, match="line 3"):
        provisioning.import_roster(
            owner_engine,
            org.id,
            [
                RosterLine(2, "New Person", "new@example.org", None, True),
                RosterLine(3, "Thief", "thief@example.org", "R-1", True),
            ],  # Nora's number
        )
    names = [
        u.display_name
        for u in directory.peer_mentors(
            uows, org.coordinator, query="new", active=None, cursor=None, limit=10
        ).items
    ]
    assert names == []  # nothing of the refused import was written
    with pytest.raises(ProvisioningError, match="is not a peer mentor"):
        provisioning.import_roster(
            owner_engine,
            org.id,
            [RosterLine(2, "Boss", Org.email(org.coordinator.user_id), None, True)],
        )
