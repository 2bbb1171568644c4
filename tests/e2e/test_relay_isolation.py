"""One organization's receiver that answers a byte at a time, for ever, holds up nothing of
another organization's: the real relay process delivers the other's event while the slow one
still dribbles, and cuts each slow attempt at its deadline."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx

from tests.support.db import wait_for
from tests.support.dribbler import dribbling
from tests.support.http import bulk_body, days_ago, demo_mentors
from tests.support.receiver import receiving
from tests.support.stack import BULKREG, Stack


def admin_token(stack: Stack, org: dict[str, Any]) -> str:
    """The organization's admin's token: the second demo organization has none, so the
    operator adds one, as onboarding would."""
    if org["admins"]:
        return str(org["admins"][0]["token"])
    email = "relay.admin@example.org"

    def bulkreg(*words: str) -> str:
        done = subprocess.run(
            [str(BULKREG.resolve()), *words], capture_output=True, text=True, env=stack.env
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    bulkreg("user", "add", "--org", org["id"], "--role", "admin", "--name", "Relay Admin",
            "--email", email)  # fmt: skip
    return bulkreg("token", "--org", org["id"], "--email", email)


def webhook(admin: httpx.Client, url: str) -> dict[str, Any]:
    created = admin.post("/v1/webhooks", json={"url": url, "types": ["bulk_registration.*"]})
    assert created.status_code == 201, created.text
    return dict(created.json())


def submitted(coordinator: httpx.Client, org: dict[str, Any], day: int, start: int) -> str:
    r = coordinator.post(
        "/v1/bulk-registrations", json=bulk_body(demo_mentors(org, 1, start), days_ago(day))
    )
    assert r.status_code == 202, r.text
    return str(r.json()["job_id"])


def test_a_dribbling_receiver_holds_up_no_other_organization(
    stack: Stack, demo: dict[str, Any]
) -> None:
    slow_org, other_org = demo["organizations"][:2]
    slow_admin = stack.client(admin_token(stack, slow_org))
    other_admin = stack.client(admin_token(stack, other_org))
    with dribbling() as slow, receiving() as normal:
        slow_hook = webhook(slow_admin, slow.url)
        other_hook = webhook(other_admin, normal.url)
        normal.secret = other_hook["secret"]
        try:
            with stack.client(slow_org["coordinators"][0]["token"]) as coordinator:
                for n in range(3):  # more slow deliveries than one webhook may have in flight
                    submitted(coordinator, slow_org, 150 + n, n)
            wait_for(lambda: slow.connections >= 1, timeout=60)
            with stack.client(other_org["coordinators"][0]["token"]) as coordinator:
                job = submitted(coordinator, other_org, 150, 0)
            arrived = wait_for(
                lambda: next((r for r in normal.accepted if r.body["data"]["job_id"] == job), None),
                timeout=60,
            )
            assert arrived.body["type"] == "bulk_registration.queued"
            assert not slow.released.is_set()  # the slow receiver had not finished one answer

            def timed_out() -> bool:  # the slow attempts end at their deadline, recorded
                listed = slow_admin.get(f"/v1/webhooks/{slow_hook['id']}/deliveries").json()
                errors = [a["error"] for d in listed["items"] for a in d["attempts"]]
                return "timed out" in errors

            wait_for(timed_out, timeout=60)
        finally:
            slow.released.set()
            assert slow_admin.delete(f"/v1/webhooks/{slow_hook['id']}").status_code == 204
            assert other_admin.delete(f"/v1/webhooks/{other_hook['id']}").status_code == 204
            slow_admin.close()
            other_admin.close()
