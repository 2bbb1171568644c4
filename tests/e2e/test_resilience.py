"""The running stack under a broker outage and under load, and the anomaly it surfaces."""

from __future__ import annotations

import random
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bulkreg.devstack.redis import EmbeddedRedis
from tests.support.http import bulk_body as body
from tests.support.http import days_ago, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.net import free_port
from tests.support.session import TEST_ROOT
from tests.support.stack import Stack, plant_orphan, start_stack, superuser


def test_a_submission_while_redis_is_down_completes_once_redis_is_back() -> None:
    redis = EmbeddedRedis(TEST_ROOT / "outage-redis", free_port())
    server = redis.server()
    server.start()
    stack: Stack | None = None
    try:
        stack = start_stack("outage", extra_env={"BULKREG_REDIS_URL": redis.url})
        org = stack.demo["organizations"][0]
        client = stack.client(org["coordinators"][0]["token"])
        server.stop()
        assert client.get("/readyz").json()["failed"] == ["broker"]

        started = time.monotonic()
        submitted = client.post("/v1/bulk-registrations", json=body(mentors(org, 3), days_ago(1)))
        assert submitted.status_code == 202, submitted.text
        assert time.monotonic() - started < 10
        job_id = submitted.json()["job_id"]
        assert client.get(f"/v1/bulk-registrations/{job_id}").json()["status"] == "queued"

        server.start()  # the same data dir: Redis comes back as it was
        job = wait_terminal(client, job_id, timeout=120)
        assert job["status"] == "succeeded"
        assert job["attempts"] == 1
        assert (
            len(client.get("/v1/activities", params={"bulk_job_id": job_id}).json()["items"]) == 3
        )
    finally:
        if stack is not None:
            stack.stop(signal.SIGTERM)
        server.stop()


def test_five_hundred_concurrent_jobs_all_finish_nothing_lost_nothing_duplicated(
    stack: Stack, first_org: dict[str, Any], coordinator: httpx.Client
) -> None:
    day = days_ago(40)
    pool = mentors(first_org, 30)
    rng = random.Random(7)
    payloads = [
        body(rng.sample(pool, 3), day, "skip", activity_type="group_meeting") for _ in range(500)
    ]
    token = first_org["coordinators"][1]["token"]
    stop_polling = False

    def submit(payload: dict[str, Any]) -> str:
        with httpx.Client(
            base_url=stack.api,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        ) as c:
            r = c.post("/v1/bulk-registrations", json=payload)
            assert r.status_code == 202, r.text
            return str(r.json()["job_id"])

    def poll() -> int:
        polls = 0
        with stack.client(token) as c:
            while not stop_polling:
                assert c.get("/v1/bulk-registrations", params={"limit": 20}).status_code == 200
                polls += 1
        return polls

    with ThreadPoolExecutor(max_workers=20) as executor:
        pollers = [executor.submit(poll) for _ in range(4)]
        job_ids = list(executor.map(submit, payloads))
        deadline = time.monotonic() + 300
        finished: dict[str, dict[str, Any]] = {}
        while len(finished) < len(job_ids) and time.monotonic() < deadline:
            for job_id in job_ids:
                if job_id not in finished:
                    job = coordinator.get(f"/v1/bulk-registrations/{job_id}").json()
                    if job["status"] not in ("queued", "running"):
                        finished[job_id] = job
            time.sleep(0.5)
        stop_polling = True
        assert all(p.result() > 0 for p in pollers)

    assert len(set(job_ids)) == 500
    assert len(finished) == 500, f"{500 - len(finished)} jobs never finished"
    assert {j["status"] for j in finished.values()} == {"succeeded"}
    registered = sum(j["counts"]["registered"] for j in finished.values())
    assert all(
        sum(v for k, v in j["counts"].items() if k != "total") == 3 for j in finished.values()
    )
    with superuser(stack) as conn:
        rows = conn.execute(
            "select peer_mentor_id, count(*) from activities where occurred_on = %s and activity_type = 'group_meeting' group by 1",
            (day,),
        ).fetchall()
    assert all(n == 1 for _, n in rows)  # nothing duplicated
    assert (
        len(rows)
        == registered
        == len({pm for p in payloads for pm in (x["peer_mentor_id"] for x in p["participants"])})
    )


def test_the_reconciler_surfaces_a_planted_orphan_on_the_job_and_it_can_be_resolved(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    payload = body([*mentors(first_org, 1, start=27), inactive], days_ago(41), "fail")
    job_id = coordinator.post("/v1/bulk-registrations", json=payload).json()["job_id"]
    assert wait_terminal(coordinator, job_id)["error"]["code"] == "invalid_participants"
    with superuser(stack) as conn:
        status = conn.execute("select status from bulk_jobs where id = %s", (job_id,)).fetchone()
        assert status is not None and status[0] != "succeeded"
    orphan = plant_orphan(
        stack, first_org, job_id, mentors(first_org, 1, start=28)[0], days_ago(41)
    )
    deadline = time.monotonic() + 60
    anomalies: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not anomalies:
        anomalies = coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["anomalies"]
        time.sleep(0.5)
    assert [(a["kind"], a["activity_ids"], a["resolved_at"]) for a in anomalies] == [
        ("orphaned_records", [str(orphan)], None)
    ]
    listed = coordinator.get("/v1/anomalies", params={"status": "open"}).json()["items"]
    assert [a["id"] for a in listed if a["bulk_job_id"] == job_id] == [anomalies[0]["id"]]

    r = coordinator.post(
        f"/v1/anomalies/{anomalies[0]['id']}/resolve",
        json={"action": "delete_records", "reason": "planted by a test"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["resolution"] == "delete_records"
    again = coordinator.post(
        f"/v1/anomalies/{anomalies[0]['id']}/resolve", json={"action": "dismiss", "reason": "twice"}
    )
    assert again.status_code == 409
    assert coordinator.get("/v1/activities", params={"bulk_job_id": job_id}).json()["items"] == []
    assert Path(stack.data_dir).exists()
