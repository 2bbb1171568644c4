"""Events (docs/api.md, "Events and webhooks"): how soon a receiver hears of a job, and how soon a long poll wakes.

* ``event_delivery_p95_ms``: 15-participant jobs submitted at half the measured end-to-end
  rate; for each ``bulk_registration.succeeded`` event, from its commit (the event's
  ``created_at``: ``clock_timestamp()`` in the trigger deferred to the commit) to its arrival
  at a local receiver, through the real relay — *while another organization's receiver
  dribbles*: its webhook gets every event of its organization's own stream of jobs and
  answers one byte every half second, never finishing. Target < 1,000 ms.
* ``event_delivery_quiet_p95_ms``: the same without the dribbling neighbour, in the same run:
  the baseline to read the first against.
* ``duplicates_per_relay_kill``: jobs submitted while the relay is killed (SIGKILL) and started
  again, several times; the events a receiver got more than once, per kill. Each outcome is
  recorded as soon as it is answered, so only a delivery in flight at the kill is sent again:
  near 0 (it was 137 copies for 14 kills when outcomes waited for a batch of 50).
* ``long_poll_wakeup_p95_ms``: a long poll waits on a job in review; the job is resolved;
  from the commit of that change (its ``bulk_registration.queued`` event's ``created_at``)
  to the long poll's answer. Target < 200 ms.
Both clocks are this machine's (``time.time()`` and PostgreSQL's ``clock_timestamp()``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import psycopg

from benchmarks.e2e import Stack, job_body
from benchmarks.harness import Figure, Org, Servers, day, percentile
from bulkreg import tokens
from persistence.database import libpq_url
from tests.support.dribbler import dribbling
from tests.support.receiver import receiving


def _client(stack: Stack, principal: Any, secret: str) -> httpx.Client:
    token = tokens.issue(principal, secret, 3600)
    return httpx.Client(
        base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


@contextmanager
def dribbling_neighbour(stack: Stack, other: Org, secret: str, first_day: int) -> Iterator[None]:
    """Another organization with a webhook whose receiver dribbles, fed a job every second."""
    stop = threading.Event()
    with (
        dribbling() as slow,
        _client(stack, other.admin, secret) as admin,
        _client(stack, other.coordinator, secret) as coordinator,
    ):
        created = admin.post("/v1/webhooks", json={"url": slow.url, "types": ["*"]})
        assert created.status_code == 201, created.text

        def feed() -> None:
            for i in range(600):  # bounded: ten minutes at the most
                if stop.wait(1.0):
                    return
                coordinator.post(
                    "/v1/bulk-registrations", json=job_body(other, first_day + i, participants=3)
                )

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            yield
        finally:
            stop.set()
            feeder.join(10)
            admin.delete(f"/v1/webhooks/{created.json()['id']}")


def delivery_ms(
    stack: Stack, org: Org, secret: str, n: int, rate: float, first_day: int
) -> list[float]:
    """Commit → receiver, for ``n`` jobs sent ``rate`` per second."""
    with (
        receiving() as receiver,
        _client(stack, org.admin, secret) as admin,
        _client(stack, org.coordinator, secret) as coordinator,
    ):
        created = admin.post(
            "/v1/webhooks", json={"url": receiver.url, "types": ["bulk_registration.succeeded"]}
        )
        assert created.status_code == 201, created.text
        receiver.secret = created.json()["secret"]
        try:
            started = time.monotonic()
            for i in range(n):
                time.sleep(max(0.0, started + i / rate - time.monotonic()))
                sent = coordinator.post("/v1/bulk-registrations", json=job_body(org, first_day + i))
                assert sent.status_code == 202, sent.text
            deadline = time.monotonic() + 120
            while len(receiver.accepted) < n and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(receiver.accepted) >= n, f"{len(receiver.accepted)} of {n} delivered"
            assert receiver.refused_signatures == 0
            return [
                (r.at - datetime.fromisoformat(r.body["created_at"]).timestamp()) * 1000
                for r in receiver.accepted
            ]
        finally:
            admin.delete(f"/v1/webhooks/{created.json()['id']}")


def duplicates_per_kill(
    stack: Stack, org: Org, secret: str, kills: int, per_kill: int, first_day: int
) -> float:
    with (
        receiving() as receiver,
        _client(stack, org.admin, secret) as admin,
        _client(stack, org.coordinator, secret) as coordinator,
    ):
        created = admin.post("/v1/webhooks", json={"url": receiver.url, "types": ["*"]})
        assert created.status_code == 201, created.text
        receiver.secret = created.json()["secret"]
        try:
            sent = 0
            for kill in range(kills):
                for i in range(per_kill):
                    on = first_day + kill * per_kill + i
                    posted = coordinator.post("/v1/bulk-registrations", json=job_body(org, on))
                    assert posted.status_code == 202, posted.text
                    sent += 1
                time.sleep(0.2)  # deliveries in flight
                stack.kill_relay()
            expected = 2 * sent  # queued and succeeded, for every job
            deadline = time.monotonic() + 120
            while len(set(receiver.event_ids())) < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            ids = receiver.event_ids()
            assert len(set(ids)) >= expected, f"{len(set(ids))} of {expected} delivered"
            return (len(ids) - len(set(ids))) / kills
        finally:
            admin.delete(f"/v1/webhooks/{created.json()['id']}")


def _in_review(coordinator: httpx.Client, org: Org, on: int) -> str:
    """A one-participant job in review: its participant already has the activity."""
    person = str(org.peer_mentors[-1])
    activity = {
        "activity_type": "phone_call",
        "occurred_on": day(on).isoformat(),
        "duration_minutes": 10,
    }
    proxy = coordinator.post(
        "/v1/proxy-registrations", json={"peer_mentor_id": person, "activity": activity}
    )
    assert proxy.status_code == 201, proxy.text
    job = coordinator.post(
        "/v1/bulk-registrations",
        json={"activity": activity, "participants": [{"peer_mentor_id": person}]},
    ).json()["job_id"]
    deadline = time.monotonic() + 60
    while coordinator.get(f"/v1/bulk-registrations/{job}").json()["status"] != "needs_review":
        assert time.monotonic() < deadline, "the job did not reach review"
        time.sleep(0.02)
    return str(job)


def _committed(servers: Servers, job: str) -> float:
    """When the job's return to the queue committed: its event's time, in seconds."""
    with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
        row = conn.execute(
            """select extract(epoch from created_at) from events
               where type = 'bulk_registration.queued' and data->>'job_id' = %s
               order by seq desc limit 1""",
            (job,),
        ).fetchone()
    assert row is not None
    return float(row[0])


def wakeup_ms(
    servers: Servers, stack: Stack, org: Org, secret: str, n: int, first_day: int
) -> list[float]:
    """Commit of a change → the waiting long poll's answer, ``n`` times."""
    found = []
    with _client(stack, org.coordinator, secret) as coordinator:
        for i in range(n):
            job = _in_review(coordinator, org, first_day + i)
            etag = coordinator.get(f"/v1/bulk-registrations/{job}").headers["ETag"]
            answered: list[float] = []

            def long_poll(
                job: str = job, etag: str = etag, answered: list[float] = answered
            ) -> None:
                with _client(stack, org.coordinator, secret) as poller:
                    r = poller.get(
                        f"/v1/bulk-registrations/{job}",
                        params={"wait": 30},
                        headers={"If-None-Match": etag},
                    )
                    answered.append(time.time())
                    assert r.status_code == 200, r.status_code

            waiting = threading.Thread(target=long_poll)
            waiting.start()
            time.sleep(0.3)  # the long poll is waiting
            resolved = coordinator.post(
                f"/v1/bulk-registrations/{job}/resolution", json={"default": "cancel"}
            )
            assert resolved.status_code == 202, resolved.text
            waiting.join(40)
            found.append((answered[0] - _committed(servers, job)) * 1000)
    return found


def run(
    servers: Servers,
    stack: Stack,
    org: Org,
    other: Org,
    secret: str,
    *,
    jobs: int,
    e2e_rate: float,
    repeat: int,
    first_day: int,
) -> dict[str, Figure]:
    quiet, beside_a_dribbler, wakeup, duplicates = Figure(), Figure(), Figure(), Figure()
    rate = max(0.5, e2e_rate / 2)
    for rep in range(repeat):
        start = first_day + rep * (3 * jobs + 1000)  # each part its own days
        quiet.add(percentile(delivery_ms(stack, org, secret, jobs, rate, start), 0.95))
        with dribbling_neighbour(stack, other, secret, start):
            found = delivery_ms(stack, org, secret, jobs, rate, start + jobs)
        beside_a_dribbler.add(percentile(found, 0.95))
        wakeup.add(
            percentile(
                wakeup_ms(servers, stack, org, secret, min(jobs, 20), start + 2 * jobs), 0.95
            )
        )
        duplicates.add(duplicates_per_kill(stack, org, secret, 5, 4, start + 3 * jobs))
    return {
        "event_delivery_p95_ms": beside_a_dribbler,
        "event_delivery_quiet_p95_ms": quiet,
        "long_poll_wakeup_p95_ms": wakeup,
        "duplicates_per_relay_kill": duplicates,
    }
