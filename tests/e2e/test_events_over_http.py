"""Events, webhooks and the long poll against the running stack: the real relay process
delivers to a local receiver that verifies every signature with the ``standardwebhooks``
package; the relay frozen and killed between the commit and the delivery still delivers."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest

from tests.support.db import wait_for
from tests.support.http import bulk_body as body
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.receiver import Receiver, receiving
from tests.support.stack import Stack


@pytest.fixture
def admin(stack: Stack, first_org: dict[str, Any]) -> Iterator[httpx.Client]:
    with stack.client(first_org["admins"][0]["token"]) as client:
        yield client


@pytest.fixture
def hooked(admin: httpx.Client) -> Iterator[tuple[Receiver, str]]:
    """A receiver, and a webhook of the first organization for bulk registrations' events."""
    with receiving() as receiver:
        created = admin.post(
            "/v1/webhooks", json={"url": receiver.url, "types": ["bulk_registration.*"]}
        )
        assert created.status_code == 201, created.text
        receiver.secret = created.json()["secret"]
        yield receiver, created.json()["id"]
        assert admin.delete(f"/v1/webhooks/{created.json()['id']}").status_code == 204


def delivered(receiver: Receiver, job_id: str, status: str) -> Any:
    return wait_for(
        lambda: next(
            (
                r
                for r in receiver.accepted
                if r.body["data"]["job_id"] == job_id and r.body["data"]["status"] == status
            ),
            None,
        ),
        timeout=60,
    )


def test_webhooks_are_managed_by_admins_and_the_secret_is_shown_once(
    admin: httpx.Client, coordinator: httpx.Client
) -> None:
    created = admin.post(
        "/v1/webhooks", json={"url": "https://127.0.0.1:9/in", "types": ["anomaly.*"]}
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    hook_id = created.json()["id"]
    listed = admin.get("/v1/webhooks").json()["items"]
    assert [h for h in listed if h["id"] == hook_id] == [
        {k: v for k, v in created.json().items() if k != "secret"}
    ]
    assert coordinator.get("/v1/webhooks").status_code == 403
    assert (
        coordinator.post(
            "/v1/webhooks", json={"url": "https://x.example.org", "types": ["*"]}
        ).status_code
        == 403
    )
    for bad in (
        {"url": "ftp://x.example.org/", "types": ["*"]},
        {"url": "https://x.example.org/", "types": ["job.done"]},
        {"url": "https://x.example.org/", "types": []},
        {"url": "https://x.example.org/", "types": ["*"], "extra": 1},
    ):
        refused = admin.post("/v1/webhooks", json=bad)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert admin.delete(f"/v1/webhooks/{hook_id}").status_code == 204
    assert admin.delete(f"/v1/webhooks/{hook_id}").status_code == 404
    assert all(h["id"] != hook_id for h in admin.get("/v1/webhooks").json()["items"])


def test_a_job_is_told_to_the_receiver_signed_and_listed_with_its_attempts(
    admin: httpx.Client,
    coordinator: httpx.Client,
    first_org: dict[str, Any],
    hooked: tuple[Receiver, str],
) -> None:
    receiver, hook_id = hooked
    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 2, start=8), days_ago(80))
    ).json()["job_id"]
    job = wait_terminal(coordinator, job_id)
    done = delivered(receiver, job_id, "succeeded")
    assert done.body["type"] == "bulk_registration.succeeded"
    assert done.body["data"]["counts"] == job["counts"]  # as in the poll
    assert done.headers["webhook-id"] == done.body["id"]
    assert receiver.refused_signatures == 0

    def recorded() -> list[Any] | None:  # the relay records the answer just after it came
        deliveries = admin.get(f"/v1/webhooks/{hook_id}/deliveries").json()["items"]
        mine = [d for d in deliveries if d["event_id"] == done.body["id"]]
        return mine if all(d["status"] != "pending" for d in mine) else None

    mine = wait_for(recorded, timeout=30)
    assert [(d["status"], [a["status_code"] for a in d["attempts"]]) for d in mine] == [
        ("delivered", [204])
    ]


def _relay(stack: Stack) -> psutil.Process:
    return next(p for p in stack.descendants() if "workers.relay" in " ".join(p.cmdline()))


def test_the_relay_killed_between_the_commit_and_the_delivery_delivers_after_it_restarts(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any], hooked: tuple[Receiver, str]
) -> None:
    receiver, _ = hooked
    relay = _relay(stack)
    os.kill(relay.pid, signal.SIGSTOP)  # frozen: it cannot deliver what is committed now
    try:
        job_id = coordinator.post(
            "/v1/bulk-registrations", json=body(mentors(first_org, 2, start=10), days_ago(81))
        ).json()["job_id"]
        assert wait_terminal(coordinator, job_id)["status"] == "succeeded"
        assert not [r for r in receiver.accepted if r.body["data"]["job_id"] == job_id]
    finally:
        os.kill(relay.pid, signal.SIGKILL)  # and then dead; its supervisor starts another
    delivered(receiver, job_id, "succeeded")
    assert _relay(stack).pid != relay.pid
    ids = receiver.event_ids()
    assert len(ids) == len(set(ids))  # at least once, and here once


def test_the_feed_after_a_cursor_returns_exactly_the_missed_events(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    feed: dict[str, str | int] = {"type": "bulk_registration.*", "limit": 500}
    seen = coordinator.get("/v1/events", params=feed).json()["items"]
    cursor = seen[-1]["id"] if seen else None
    jobs = [
        coordinator.post(
            "/v1/bulk-registrations", json=body(mentors(first_org, 1, start=12 + i), days_ago(82))
        ).json()["job_id"]
        for i in range(2)
    ]
    for job_id in jobs:
        wait_terminal(coordinator, job_id)
    missed = coordinator.get("/v1/events", params=feed | ({"after": cursor} if cursor else {}))
    got = [(e["data"]["job_id"], e["type"].split(".")[1]) for e in missed.json()["items"]]
    assert sorted(got) == sorted((j, s) for j in jobs for s in ("queued", "succeeded"))
    assert got.index((jobs[0], "queued")) < got.index((jobs[0], "succeeded"))
    last = missed.json()["items"][-1]["id"]
    assert coordinator.get("/v1/events", params=feed | {"after": last}).json()["items"] == []
    unknown = coordinator.get("/v1/events", params={"after": "evt_" + "0" * 32})
    assert unknown.status_code == 422


def test_a_long_poll_answers_when_the_job_changes_and_304_when_the_wait_ends(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    _, _, job_id = prepare_review(coordinator, first_org, days_ago(83), start=0)
    first = coordinator.get(f"/v1/bulk-registrations/{job_id}")
    etag = first.headers["ETag"]
    answers: list[httpx.Response] = []

    def long_poll() -> None:
        answers.append(
            coordinator.get(
                f"/v1/bulk-registrations/{job_id}",
                params={"wait": 30},
                headers={"If-None-Match": etag},
                timeout=60,
            )
        )

    waiting = threading.Thread(target=long_poll)
    started = time.monotonic()
    waiting.start()
    time.sleep(1)  # the long poll is waiting now (nothing has changed)
    assert not answers
    resolved = coordinator.post(
        f"/v1/bulk-registrations/{job_id}/resolution", json={"default": "cancel"}
    )
    assert resolved.status_code == 202, resolved.text
    waiting.join(40)
    [answer] = answers
    assert answer.status_code == 200 and answer.headers["ETag"] != etag
    assert answer.json()["status"] != "needs_review"
    assert time.monotonic() - started < 30  # woken by the change, not by the end of its wait

    done = wait_terminal(coordinator, job_id)
    final = coordinator.get(f"/v1/bulk-registrations/{job_id}").headers["ETag"]
    quiet = coordinator.get(
        f"/v1/bulk-registrations/{job_id}", params={"wait": 1}, headers={"If-None-Match": final}
    )
    assert quiet.status_code == 304 and quiet.headers["ETag"] == final
    assert done["status"] == "succeeded"
    too_long = coordinator.get(f"/v1/bulk-registrations/{job_id}", params={"wait": 31})
    assert too_long.status_code == 422
