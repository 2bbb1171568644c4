"""What operators look at: Prometheus metrics and Flower's own API."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx

from tests.support.http import bulk_body as body
from tests.support.http import days_ago, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack


def metric(text: str, name: str, labels: str = "") -> float:
    pattern = (
        re.escape(name)
        + (r"\{[^}]*" + re.escape(labels) + r"[^}]*\}" if labels else r"(\{[^}]*\})?")
        + r" ([0-9.e+]+)"
    )
    found = re.search(pattern, text)
    assert found, f"{name}{{{labels}}} not in /metrics"
    return float(found.groups()[-1])


def test_metrics_report_jobs_by_status_processing_time_and_rows(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 3, start=7), days_ago(70))
    ).json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "succeeded"
    assert httpx.get(f"{stack.api}/metrics").status_code == 401
    assert httpx.get(f"{stack.api}/metrics", auth=("operator", "wrong")).status_code == 401
    r = httpx.get(f"{stack.api}/metrics", auth=flower_login(stack))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert metric(text, "bulkreg_jobs", 'status="succeeded"') >= 1
    assert metric(text, "bulkreg_job_processing_seconds_count", 'status="succeeded"') >= 1
    assert metric(text, "bulkreg_activities_committed_total", 'source="bulk"') >= 3
    for queue in ("bulk.small", "bulk.large"):  # the scaling signals, even when nothing waits
        assert metric(text, "bulkreg_queue_depth", f'queue="{queue}"') >= 0
        assert metric(text, "bulkreg_queue_oldest_age_seconds", f'queue="{queue}"') >= 0


def flower_login(stack: Stack) -> tuple[str, str]:
    user, _, password = json.loads((stack.data_dir / "secrets.json").read_text())[
        "flower_basic_auth"
    ].partition(":")
    return user, password


def test_flower_lists_the_workers_and_the_projects_tasks(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    assert httpx.get(f"{stack.flower}/api/workers").status_code == 401  # never without auth
    assert httpx.get(f"{stack.flower}/metrics").status_code == 401  # its metrics neither
    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 2, start=8), days_ago(71))
    ).json()["job_id"]
    wait_terminal(coordinator, job_id)
    auth = flower_login(stack)
    workers = httpx.get(
        f"{stack.flower}/api/workers", auth=auth, params={"refresh": "true"}, timeout=30
    ).json()
    assert any(name.startswith("worker-") for name in workers)
    deadline = time.monotonic() + 30
    tasks: dict[str, Any] = {}
    while time.monotonic() < deadline:
        tasks = httpx.get(f"{stack.flower}/api/tasks", auth=auth, timeout=30).json()
        if any(job_id in str(t.get("args")) for t in tasks.values()):
            break
        time.sleep(0.5)
    names = {t["name"] for t in tasks.values()}
    assert "bulkreg.process_bulk_job" in names
    ours = [t for t in tasks.values() if job_id in str(t.get("args"))]
    assert ours and ours[0]["state"] == "SUCCESS"
    assert {"bulkreg.sweep_stuck_jobs", "bulkreg.reconcile"} & names  # beat's tasks ran too
    flower_metrics = httpx.get(f"{stack.flower}/metrics", auth=auth, timeout=30)
    assert flower_metrics.status_code == 200 and "flower_events_total" in flower_metrics.text
