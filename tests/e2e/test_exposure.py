"""The responder's three commands against the running stack: what happened in the window
(``bulkreg audit exposure``), what the audit log says, what to delete — and the planted
record resolved from the screen."""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.http import days_ago, screen_session
from tests.support.stack import BULKREG, Stack, plant_misattributed


def exposure(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BULKREG.resolve()), "audit", "exposure", *args],
        capture_output=True,
        text=True,
        env=stack.env,
        timeout=120,
    )


def test_a_planted_record_is_reported_filed_and_resolved_from_the_screen(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    start = (datetime.now(UTC) - timedelta(seconds=2)).isoformat()
    mentors = [p for p in first_org["peer_mentors"] if p["active"]]
    planted = plant_misattributed(
        stack, first_org, mentors[0]["id"], mentors[1]["id"], days_ago(140)
    )
    end = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()

    window = ["--org", first_org["name"], "--from", start, "--to", end]
    found = exposure(stack, *window, "--format", "json")
    assert found.returncode == 3, found.stderr
    marked = [a for a in json.loads(found.stdout)["activities"] if a["misattributed"]]
    assert [a["activity_id"] for a in marked] == [str(planted)]
    assert marked[0]["registrar_role"] == "peer_mentor"
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    clean = exposure(stack, "--org", first_org["id"], "--from", end, "--to", later)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.splitlines()[0].startswith("activity_id,created_at")
    assert exposure(stack, *window, "--from", "yesterday").returncode == 2  # argparse: a bad time

    filed = exposure(stack, *window, "--open-anomalies")
    assert filed.returncode == 3 and "filed" in filed.stderr
    anomaly = _wait_for_anomaly(coordinator, planted)
    assert anomaly["kind"] == "misattributed_records" and anomaly["bulk_job_id"] is None

    admin = stack.client(first_org["admins"][0]["token"])
    log = admin.get("/v1/audit-log", params={"limit": 200}).json()
    assert log["items"] and all(
        set(e) == {"id", "at", "actor_id", "action", "target", "details"} for e in log["items"]
    )
    assert coordinator.get("/v1/audit-log").status_code == 403

    with httpx.Client(base_url=stack.api, follow_redirects=False) as browser:
        cookie = screen_session(stack.api, first_org["coordinators"][0]["token"])
        browser.cookies.set("bulkreg_session", cookie)
        page = browser.get("/ui/anomalies")
        assert page.status_code == 200 and str(planted) in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        done = browser.post(
            f"/ui/anomalies/{anomaly['id']}/resolve",
            data={"csrf": csrf.group(1), "action": "delete_records", "reason": "planted"},
        )
        assert done.status_code == 303 and done.headers["location"] == "/ui/anomalies"
    resolved = coordinator.get("/v1/anomalies", params={"status": "resolved"}).json()["items"]
    assert any(a["id"] == anomaly["id"] and a["resolution"] == "delete_records" for a in resolved)
    deleted = coordinator.get(
        "/v1/activities", params={"include_deleted": "true", "source": "proxy", "limit": 200}
    ).json()["items"]
    gone = next(a for a in deleted if a["id"] == str(planted))
    assert gone["deleted_by"] == first_org["coordinators"][0]["id"]
    assert gone["deletion_reason"] == "planted"
    actions = {
        e["action"] for e in admin.get("/v1/audit-log", params={"limit": 200}).json()["items"]
    }
    assert "anomaly.delete_records" in actions
    assert exposure(stack, *window).returncode == 0  # deleted: nothing live is marked now


def _wait_for_anomaly(client: httpx.Client, activity_id: object) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for anomaly in client.get("/v1/anomalies", params={"status": "open"}).json()["items"]:
            if str(activity_id) in anomaly["activity_ids"]:
                return dict(anomaly)
        time.sleep(0.5)
    raise AssertionError("no anomaly names the planted record")
