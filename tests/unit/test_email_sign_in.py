"""Sign-in links by email and notification choices, as use cases on the fakes: one email per
link, each to its own user with the link's URL; nobody else gets one; a user changes only
their own choices. The limits and the database's side: tests/integration."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from api.screen.email_sign_in import keyed, plausible
from domain.errors import Forbidden
from domain.model import Principal, Role, UserRecord
from domain.ports.choices import NotificationChoices
from domain.ports.units import UnitOfWork
from domain.services import choices, email_sign_in
from tests.support.fakes import FakeUnitsOfWork

ORG, OTHER_ORG = uuid4(), uuid4()


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(
        self,
        uow: UnitOfWork,
        *,
        org_id: UUID,
        recipient_user_id: UUID,
        kind: str,
        payload: dict[str, Any],
    ) -> None:
        self.sent.append({"org": org_id, "to": recipient_user_id, "kind": kind, "payload": payload})


def person(
    uows: FakeUnitsOfWork, role: Role, email: str, org: UUID = ORG, active: bool = True
) -> UUID:
    user = uuid4()
    uows.store.users[user] = UserRecord(user, org, role, "n", active, email=email)
    return user


def ask(uows: FakeUnitsOfWork, outbox: Outbox, email: str) -> int:
    return email_sign_in.email_sign_in_links(
        uows,
        outbox,
        email=email,
        address_key=b"a",
        client_key=b"c",
        links_base="https://bulkreg.example.org/",
    )


def test_each_active_staff_user_with_the_address_gets_their_own_link() -> None:
    uows, outbox = FakeUnitsOfWork(), Outbox()
    here = person(uows, Role.COORDINATOR, "kari@example.org")
    there = person(uows, Role.ADMIN, "Kari@example.org", OTHER_ORG)
    person(uows, Role.PEER_MENTOR, "per@example.org")
    person(uows, Role.COORDINATOR, "gone@example.org", active=False)
    assert ask(uows, outbox, "KARI@example.org") == 2
    assert {(m["org"], m["to"]) for m in outbox.sent} == {(ORG, here), (OTHER_ORG, there)}
    links = {m["payload"]["link"] for m in outbox.sent}
    assert len(links) == 2
    assert all(link.startswith("https://bulkreg.example.org/ui/sign-in#") for link in links)
    assert {m["kind"] for m in outbox.sent} == {"sign_in_link"}
    assert {m["payload"]["minutes"] for m in outbox.sent} == {15}
    for address in ("per@example.org", "gone@example.org", "nobody@example.org"):
        assert ask(uows, outbox, address) == 0
    assert len(outbox.sent) == 2


def test_addresses_are_counted_by_keyed_digests_only() -> None:
    address = "kari@example.org"
    assert keyed("sign-in-address", address) == keyed("sign-in-address", address)
    assert keyed("sign-in-address", address) != keyed("sign-in-client", address)
    assert address.encode() not in keyed("sign-in-address", address)
    assert plausible(address)
    for odd in (
        "",
        "kari",
        "@example.org",
        "kari@",
        "ka ri@example.org",
        "k\x00@x.org",
        "a@" + "b" * 320,
    ):
        assert not plausible(odd), odd


def test_a_user_changes_their_own_choices_only() -> None:
    uows = FakeUnitsOfWork()
    me = Principal(person(uows, Role.COORDINATOR, "me@example.org"), ORG, Role.COORDINATOR)
    assert choices.notification_choices(uows, me) == NotificationChoices(True, True, False)
    choices.choose_notifications(uows, me, NotificationChoices(False, True, True))
    assert choices.notification_choices(uows, me) == NotificationChoices(False, True, True)
    mentor = Principal(person(uows, Role.PEER_MENTOR, "pm@example.org"), ORG, Role.PEER_MENTOR)
    with pytest.raises(Forbidden):
        choices.choose_notifications(uows, mentor, NotificationChoices())
