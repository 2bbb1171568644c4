"""``bulkreg up`` stops everything it started, and its data survives a restart."""

from __future__ import annotations

import signal
import time

import psutil

from tests.support.http import days_ago
from tests.support.stack import start_stack


def test_sigterm_leaves_no_process_behind_and_data_survives_a_restart() -> None:
    stack = start_stack("lifecycle")
    coordinator = stack.demo["organizations"][0]["coordinators"][0]
    pm = next(p["id"] for p in stack.demo["organizations"][0]["peer_mentors"] if p["active"])
    with stack.client(coordinator["token"]) as client:
        created = client.post(
            "/v1/proxy-registrations",
            json={
                "peer_mentor_id": pm,
                "activity": {
                    "activity_type": "home_visit",
                    "occurred_on": days_ago(1),
                    "duration_minutes": 15,
                },
            },
        )
    assert created.status_code == 201
    children = stack.descendants()
    names = {p.name() for p in children}
    assert {"postgres", "redis-server"} <= names, names
    # The development mail catcher, since no mail server is set.
    assert any("bulkreg.devstack.mailcatcher" in p.cmdline() for p in children)
    assert len(children) >= 6

    assert stack.stop(signal.SIGTERM) == 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(
        p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in children
    ):
        time.sleep(0.2)
    survivors = [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert survivors == []

    again = start_stack("lifecycle", stack.data_dir)
    try:
        with again.client(again.demo["organizations"][0]["coordinators"][0]["token"]) as client:
            ids = [
                a["id"]
                for a in client.get("/v1/activities", params={"peer_mentor_id": pm}).json()["items"]
            ]
        assert created.json()["id"] in ids
    finally:
        assert again.stop(signal.SIGINT) == 0
