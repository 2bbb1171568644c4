"""Events written by the changes themselves (the outbox), the feed in commit order, webhooks'
deliveries through the relay's round to a real HTTP receiver, and the long poll's wake-up."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import Engine, text

from domain.clock import Clock, utcnow
from domain.errors import Forbidden, ValidationFailed
from domain.ports.webhooks import Outgoing, Sent
from domain.services import bulk, events, relay
from domain.webhooks import WebhookRequest, check_url
from persistence.notifications import JobChanges
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.jobs import process, submit
from tests.support.orgs import Org
from tests.support.receiver import Receiver, receiving
from tests.support.servers import Servers
from workers.relay import send


def allowing(url: str) -> object:
    return check_url(url, allow_private=True)


def strict(url: str) -> object:
    return check_url(url, allow_private=False)


def feed(uows: SqlUnitsOfWork, org: Org, after: str | None = None) -> list[Any]:
    return events.events(uows, org.coordinator, after=after, types=[], limit=500)


def run_relay(uows: SqlUnitsOfWork, base: float = 0.05, clock: Clock = utcnow) -> int:
    """One round of the relay's use case, each delivery sent by the relay's own ``send``."""

    async def sending(outgoing: Outgoing) -> Sent:
        async with httpx.AsyncClient() as client:
            return await send(client, outgoing, True, 5.0)

    return relay.deliver_due(
        uows,
        lambda outgoing: asyncio.run(sending(outgoing)),
        limit=50,
        lease_seconds=10,
        retries=relay.Retries(base_seconds=base, window=timedelta(hours=24)),
        clock=clock,
    )


def hook(uows: SqlUnitsOfWork, org: Org, receiver: Receiver, *types: str) -> UUID:
    request = WebhookRequest(url=receiver.url, types=list(types) or ["*"])
    created = events.create_webhook(uows, org.admin, request, check_url=allowing)
    assert created.secret is not None and created.secret.startswith("whsec_")
    receiver.secret = created.secret
    return created.id


def test_every_status_change_writes_its_event_with_the_counts_as_committed(
    uows: SqlUnitsOfWork, org: Org
) -> None:
    job_id = submit(uows, org, [*org.peer_mentors[:3], org.inactive], on_conflict="skip")
    assert process(uows, job_id) is not None
    found = [e for e in feed(uows, org) if e.data["job_id"] == str(job_id)]
    assert [e.type for e in found] == ["bulk_registration.queued", "bulk_registration.succeeded"]
    assert found[0].data["counts"]["total"] == 4 and found[0].data["counts"]["registered"] == 0
    polled = bulk.get(uows, org.coordinator, job_id).counts()  # as the poll shows them
    assert found[1].data["counts"] == polled and polled["registered"] == 3
    assert found[1].data["status"] == "succeeded" and found[0].id.startswith("evt_")


def test_a_change_rolled_back_writes_no_event_and_queues_no_delivery(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    with receiving() as receiver:
        hook(uows, org, receiver)
        job_id = submit(uows, org, org.peer_mentors[:2])
        before = count(superuser_engine, "select count(*) from events where org_id = :o", o=org.id)
        with uows(org.coordinator) as uow:  # a cancellation, never committed
            job = uow.jobs.lock(job_id)
            assert job is not None
            job.cancel(job.created_at)
            uow.jobs.save(job, items=False)
        after = count(superuser_engine, "select count(*) from events where org_id = :o", o=org.id)
        assert after == before
        run_relay(uows)
        assert all(r.body["data"]["status"] != "cancelled" for r in receiver.accepted)
        assert receiver.event_ids() == [e.id for e in feed(uows, org)]  # queued only


def test_the_feed_holds_back_a_late_commit_so_no_cursor_passes_it(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """A transaction that wrote its event first but commits last: a reader who took the
    second one's event as a cursor would never see the first. The feed waits for it."""
    emit = text("select app.emit_event(:org, 'anomaly.opened', cast(:data as jsonb))")
    slow = superuser_engine.connect()
    slow_tx = slow.begin()
    slow.execute(emit, {"org": org.id, "data": '{"n": "slow"}'})
    with superuser_engine.begin() as fast:
        fast.execute(emit, {"org": org.id, "data": '{"n": "fast"}'})
    assert [e.data.get("n") for e in feed(uows, org)] == []  # held back, not skipped
    slow_tx.commit()
    slow.close()
    shown = feed(uows, org)
    assert [e.data["n"] for e in shown] == ["slow", "fast"]
    assert feed(uows, org, after=shown[0].id) == shown[1:]
    assert feed(uows, org, after=shown[1].id) == []


def test_a_cursor_outside_the_organization_or_unknown_is_refused(
    uows: SqlUnitsOfWork, org: Org, other_org: Org
) -> None:
    submit(uows, other_org, other_org.peer_mentors[:1])
    theirs = events.events(uows, other_org.coordinator, after=None, types=[], limit=10)
    with pytest.raises(ValidationFailed):
        feed(uows, org, after=theirs[0].id)
    with pytest.raises(ValidationFailed):
        feed(uows, org, after="evt_" + "0" * 32)
    assert feed(uows, org) == []


def test_a_receiver_that_fails_three_times_gets_the_event_exactly_once_more(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    rounds: list[datetime] = []  # each round's "now", from which it schedules its retries

    def clock() -> datetime:
        rounds.append(utcnow())
        return rounds[-1]

    def delivery_row(webhook: UUID) -> tuple[int, str, datetime]:
        with superuser_engine.connect() as conn:
            row = conn.execute(
                text(
                    "select attempts, status, next_attempt_at from webhook_deliveries "
                    "where webhook_id = :w"
                ),
                {"w": webhook},
            ).one()
        return row.attempts, row.status, row.next_attempt_at

    with receiving(fail_first=3) as receiver:
        webhook = hook(uows, org, receiver, "bulk_registration.*")
        submit(uows, org, org.peer_mentors[:1])
        # Each failed attempt's retry, as its round scheduled it: the back-off, read where
        # the relay wrote it (the gaps between attempts also hold the polling's delays).
        delays: list[timedelta] = []
        due: list[datetime] = []
        deadline = time.monotonic() + 30
        while not receiver.accepted and time.monotonic() < deadline:
            run_relay(uows, base=0.2, clock=clock)  # retries after 0.2, 0.4, 0.8 s
            attempts, state, next_at = delivery_row(webhook)
            if state == "pending" and attempts > len(delays):
                delays.append(next_at - rounds[-1])
                due.append(next_at)
            time.sleep(0.02)
        for _ in range(5):  # no further attempt (the relay serves every organization)
            run_relay(uows)
            time.sleep(0.05)
        assert receiver.attempts == 4 and len(receiver.accepted) == 1
        assert receiver.refused_signatures == 0
        page = events.deliveries(uows, org.admin, webhook, cursor=None, limit=10)
    [delivery] = page.items
    assert delivery.status == "delivered" and delivery.delivered_at is not None
    assert [a.status_code for a in delivery.attempts] == [503, 503, 503, 204]
    assert delays == [timedelta(seconds=s) for s in (0.2, 0.4, 0.8)]  # exponential back-off
    assert all(a.at >= at for a, at in zip(delivery.attempts[1:], due, strict=True))  # not early
    sent = receiver.accepted[0]
    assert sent.headers["webhook-id"] == sent.body["id"] == delivery.event_id


def test_types_choose_the_events_and_other_organizations_get_nothing(
    uows: SqlUnitsOfWork, org: Org, other_org: Org
) -> None:
    with receiving() as mine, receiving() as theirs:
        hook(uows, org, mine, "anomaly.*", "bulk_registration.succeeded")
        hook(uows, other_org, theirs, "*")
        job_id = submit(uows, org, org.peer_mentors[:1])
        process(uows, job_id)
        run_relay(uows)
        assert [r.body["type"] for r in mine.accepted] == ["bulk_registration.succeeded"]
        assert theirs.attempts == 0


def test_webhooks_are_for_admins_and_private_addresses_are_refused_outside_dev(
    uows: SqlUnitsOfWork, org: Org
) -> None:
    request = WebhookRequest(url="http://127.0.0.1:9/x", types=["*"])
    with pytest.raises(Forbidden):
        events.create_webhook(uows, org.coordinator, request, check_url=allowing)
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "ftp://example.org/x",
        "http://localhost/x",
    ):
        with pytest.raises(ValidationFailed):
            events.create_webhook(
                uows, org.admin, WebhookRequest(url=url, types=["*"]), check_url=strict
            )
    assert events.webhooks(uows, org.admin) == []


def test_a_deleted_webhook_gets_nothing_more(uows: SqlUnitsOfWork, org: Org) -> None:
    with receiving() as receiver:
        webhook = hook(uows, org, receiver)
        submit(uows, org, org.peer_mentors[:1])
        events.delete_webhook(uows, org.admin, webhook)
        run_relay(uows)
        assert receiver.attempts == 0
        [cancelled] = events.deliveries(uows, org.admin, webhook, cursor=None, limit=5).items
        assert cancelled.status == "cancelled"
        assert events.webhooks(uows, org.admin) == []


def test_a_long_poll_wakes_on_the_commit_of_a_change(
    uows: SqlUnitsOfWork, org: Org, servers: Servers
) -> None:
    job_id = submit(uows, org, org.peer_mentors[:2])

    async def scenario() -> tuple[bool, bool]:
        changes = JobChanges(servers.api_url)
        try:
            async with changes.watch(job_id) as watch:
                assert changes.listening
                quiet = await watch.wait(0.3)  # nothing changed: the wait runs out
                await asyncio.to_thread(bulk.cancel, uows, org.coordinator, job_id)
                woken = await watch.wait(30)
            return quiet, woken
        finally:
            await changes.close()

    quiet, woken = asyncio.run(scenario())
    assert not quiet and woken
