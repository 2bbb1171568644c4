"""Sign-in links asked for by email and each user's notification choices, on the real
database: ``app.request_sign_in_links`` answers only active staff with the address, one link
per organization, each good once; it keeps no address, only keyed digests, and refuses
beyond 5 requests an hour for an address and 30 for a client; users change only their own
choices."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import Engine, text

from domain.errors import Forbidden, Unauthenticated
from domain.model import Principal, Role
from domain.ports.choices import NotificationChoices
from domain.ports.identity import EmailedLink
from domain.services import choices, identity
from persistence import provisioning
from persistence.uow import SqlUnitsOfWork
from tests.support.orgs import Org


def key(*parts: str) -> bytes:
    """A digest standing for an address or a client, unique to the test that names it."""
    return hashlib.sha256(":".join(parts).encode()).digest()


def ask(uows: SqlUnitsOfWork, email: str, client: bytes) -> list[EmailedLink]:
    with uows.signing_in() as uow:
        links = uow.sign_ins.request_links(email, key("address", email.lower()), client)
        uow.commit()
    return links


def test_an_active_coordinator_gets_one_link_that_signs_in_once(
    uows: SqlUnitsOfWork, org: Org
) -> None:
    email = Org.email(org.coordinator.user_id)
    [made] = ask(uows, email.upper(), key(org.tag, "client"))
    assert made.principal == org.coordinator
    assert identity.redeem_sign_in_link(uows, made.link) == org.coordinator
    with pytest.raises(Unauthenticated):
        identity.redeem_sign_in_link(uows, made.link)


def test_nobody_else_gets_a_link(uows: SqlUnitsOfWork, org: Org, owner_engine: Engine) -> None:
    client = key(org.tag, "client")
    provisioning.deactivate_user(owner_engine, org.id, Org.email(org.coordinator2.user_id))
    for email in (
        f"nobody.{org.tag}@example.org",
        Org.email(org.peer_mentors[0]),
        Org.email(org.inactive),
        Org.email(org.coordinator2.user_id),
    ):
        assert ask(uows, email, client) == []
    assert ask(uows, Org.email(org.admin.user_id), client)[0].principal == org.admin


def test_an_address_of_two_organizations_gets_a_link_for_each(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, owner_engine: Engine
) -> None:
    email = Org.email(org.coordinator.user_id)
    other = provisioning.add_user(
        owner_engine, other_org.id, role=Role.COORDINATOR, name="Two Hats", email=email
    )
    with owner_engine.begin() as conn:
        rows = conn.execute(text("select id, name from organizations")).all()
    names: dict[UUID, str] = {row.id: row.name for row in rows}
    links = ask(uows, email, key(org.tag, "client"))
    assert {(made.principal, made.organization) for made in links} == {
        (org.coordinator, names[org.id]),
        (Principal(other, other_org.id, Role.COORDINATOR), names[other_org.id]),
    }
    for made in links:
        assert identity.redeem_sign_in_link(uows, made.link) == made.principal


def test_five_an_hour_for_an_address_and_thirty_for_a_client(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    email = Org.email(org.coordinator.user_id)
    answered = [ask(uows, email, key(org.tag, f"client {n}")) for n in range(6)]
    assert [len(links) for links in answered] == [1, 1, 1, 1, 1, 0]
    with superuser_engine.begin() as conn:
        conn.execute(
            text("update sign_in_requests set requested_at = requested_at - :hour"),
            {"hour": timedelta(hours=1, seconds=1)},
        )
    assert len(ask(uows, email, key(org.tag, "client 6"))) == 1, "an hour later it may ask again"

    client = key(org.tag, "one client")
    for n in range(29):
        assert ask(uows, f"nobody.{n}.{org.tag}@example.org", client) == []
    assert len(ask(uows, Org.email(org.admin.user_id), client)) == 1  # the 30th
    assert ask(uows, Org.email(org.coordinator2.user_id), client) == []  # the 31st


def test_requests_keep_no_address_and_go_after_an_hour(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    email = Org.email(org.coordinator.user_id)
    ask(uows, email, key(org.tag, "client"))
    with superuser_engine.begin() as conn:
        kept = conn.execute(text("select * from sign_in_requests")).all()
        assert kept and not any(email in str(row) for row in kept)
        columns = conn.execute(
            text(
                "select column_name from information_schema.columns "
                "where table_name = 'sign_in_requests' order by column_name"
            )
        ).scalars()
        assert list(columns) == ["address_key", "client_key", "id", "requested_at"]
        conn.execute(text("update sign_in_requests set requested_at = now() - interval '2 hours'"))
    ask(uows, f"nobody.{org.tag}@example.org", key(org.tag, "client"))
    with superuser_engine.begin() as conn:
        old = conn.execute(
            text(
                "select count(*) from sign_in_requests where requested_at < now() - interval '1 hour'"
            )
        ).scalar()
    assert old == 0


def test_the_api_role_reads_no_request_and_no_link(api_engine: Engine) -> None:
    with api_engine.begin() as conn:
        for table in ("sign_in_requests", "sign_in_links"):
            allowed = conn.execute(
                text("select has_table_privilege(current_user, :t, 'select')"), {"t": table}
            ).scalar()
            assert allowed is False


def test_each_user_chooses_their_own_notifications(uows: SqlUnitsOfWork, org: Org) -> None:
    assert choices.notification_choices(uows, org.coordinator) == NotificationChoices(
        needs_review=True, failed=True, succeeded=False
    )
    mine = NotificationChoices(needs_review=False, failed=True, succeeded=True)
    choices.choose_notifications(uows, org.coordinator, mine)
    assert choices.notification_choices(uows, org.coordinator) == mine
    assert choices.notification_choices(uows, org.coordinator2) == NotificationChoices()
    with uows(org.coordinator) as uow:
        assert uow.choices.choose(org.coordinator2.user_id, mine) is False
    with pytest.raises(Forbidden):
        choices.notification_choices(uows, org.principal(org.peer_mentors[0]))
