"""The relay's claim keeps tenants apart: per webhook and per organization no more
deliveries in flight than the bounds allow, every webhook's first due delivery before any
webhook's second, and each outcome recorded on its own as soon as it is answered."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from uuid import UUID

from sqlalchemy import Engine, text

from domain.ports.webhooks import Outgoing, Sent
from domain.services import events, relay
from domain.webhooks import WebhookRequest, check_url
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import submit
from tests.support.orgs import Org

BOUNDS = relay.Bounds(per_webhook=2, per_org=3)
RETRIES = relay.Retries(base_seconds=60, window=timedelta(hours=1))
NOBODY = "http://127.0.0.1:9/never-called"  # nothing here is ever sent


def hook(uows: SqlUnitsOfWork, org: Org) -> UUID:
    request = WebhookRequest(url=NOBODY, types=["bulk_registration.queued"])
    allowing = lambda url: check_url(url, allow_private=True)  # noqa: E731
    return events.create_webhook(uows, org.admin, request, check_url=allowing).id


def webhook_of(superuser_engine: Engine, claimed: list[Outgoing]) -> dict[UUID, UUID]:
    with superuser_engine.connect() as conn:
        rows = conn.execute(
            text("select id, webhook_id from webhook_deliveries where id = any(:ids)"),
            {"ids": [o.delivery_id for o in claimed]},
        )
        return {row.id: row.webhook_id for row in rows}


def test_a_claim_takes_turns_within_the_bounds_and_a_settled_delivery_frees_its_place(
    uows: SqlUnitsOfWork, org: Org, other_org: Org, superuser_engine: Engine
) -> None:
    busy_a, quiet_a, b = hook(uows, org), hook(uows, org), hook(uows, other_org)
    for n in range(3):  # three events for each of A's two webhooks
        submit(uows, org, org.peer_mentors[n : n + 1])
    submit(uows, other_org, other_org.peer_mentors[:1])
    mine = {busy_a, quiet_a, b}

    def claim() -> list[Outgoing]:
        found = relay.claim(uows, 1000, lease_seconds=60, bounds=BOUNDS)
        owners = webhook_of(superuser_engine, found)
        return [o for o in found if owners[o.delivery_id] in mine]

    first = claim()
    owners = webhook_of(superuser_engine, first)
    per_webhook = Counter(owners[o.delivery_id] for o in first)
    assert per_webhook[b] == 1  # the other organization is not held back
    assert per_webhook[busy_a] + per_webhook[quiet_a] == BOUNDS.per_org
    assert {per_webhook[busy_a], per_webhook[quiet_a]} == {1, 2}  # in turns, within 2 each

    assert claim() == []  # all of A's places are in flight, B has nothing more

    answered = next(o for o in first if owners[o.delivery_id] != b)
    relay.settle(uows, answered, Sent(204, None, 3), RETRIES)
    [again] = claim()  # its place, and only its place, is free again
    assert webhook_of(superuser_engine, [again])[again.delivery_id] in {busy_a, quiet_a}
    assert again.delivery_id not in {o.delivery_id for o in first}
