"""Bulk registration over HTTP against the running stack."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.http import activities_on, days_ago, wait_terminal
from tests.support.http import bulk_body as body
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack


def test_fifteen_participants_of_whom_four_are_registered_already_need_review(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    day = days_ago(2)
    pms = mentors(first_org, 15)
    existing = {}
    for pm in pms[:4]:
        r = coordinator.post(
            "/v1/proxy-registrations",
            json={
                "peer_mentor_id": pm,
                "activity": {
                    "activity_type": "home_visit",
                    "occurred_on": day,
                    "duration_minutes": 30,
                },
            },
        )
        assert r.status_code == 201, r.text
        existing[pm] = r.json()

    submitted = coordinator.post("/v1/bulk-registrations", json=body(pms, day))
    assert submitted.status_code == 202
    job_id = submitted.json()["job_id"]
    assert submitted.headers["Location"] == f"/v1/bulk-registrations/{job_id}"
    assert submitted.json()["status"] == "queued"

    job = wait_terminal(coordinator, job_id)
    assert job["status"] == "needs_review"
    assert job["counts"] == {
        "total": 15,
        "ready": 11,
        "registered": 0,
        "overridden": 0,
        "skipped": 0,
        "conflict": 4,
        "invalid": 0,
        "cancelled": 0,
    }
    conflicts = {
        i["peer_mentor_id"]: i["conflict"] for i in job["items"] if i["outcome"] == "conflict"
    }
    assert set(conflicts) == set(pms[:4])
    for pm, conflict in conflicts.items():
        assert conflict["activity_id"] == existing[pm]["id"]
        assert conflict["registered_by"] == first_org["coordinators"][0]["id"]
        assert conflict["activity_type"] == "home_visit"
        assert conflict["occurred_on"] == day
        assert conflict["created_at"] == existing[pm]["created_at"].replace("Z", "+00:00")
    assert activities_on(coordinator, job_id) == []


def test_skip_registers_the_rest_and_fail_writes_nothing(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    day = days_ago(3)
    pms = mentors(first_org, 6)
    first = coordinator.post("/v1/bulk-registrations", json=body(pms[:2], day, "skip")).json()
    assert wait_terminal(coordinator, first["job_id"])["status"] == "succeeded"

    skip = coordinator.post("/v1/bulk-registrations", json=body(pms, day, "skip")).json()
    job = wait_terminal(coordinator, skip["job_id"])
    assert job["status"] == "succeeded"
    assert job["counts"]["registered"] == 4 and job["counts"]["skipped"] == 2
    assert {a["peer_mentor_id"] for a in activities_on(coordinator, skip["job_id"])} == set(pms[2:])

    fail = coordinator.post("/v1/bulk-registrations", json=body(pms, day, "fail")).json()
    job = wait_terminal(coordinator, fail["job_id"])
    assert job["status"] == "failed"
    assert job["error"]["code"] == "conflicts_found"
    assert activities_on(coordinator, fail["job_id"]) == []


def test_idempotency_key_replays_and_refuses_a_different_body(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    day = days_ago(4)
    payload = body(mentors(first_org, 3), day)
    key = {"Idempotency-Key": "e2e-idem-1"}
    first = coordinator.post("/v1/bulk-registrations", json=payload, headers=key)
    again = coordinator.post("/v1/bulk-registrations", json=payload, headers=key)
    assert first.status_code == 202
    assert again.status_code in (200, 202)
    assert again.json()["job_id"] == first.json()["job_id"]

    different = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 2), day), headers=key
    )
    assert different.status_code == 422
    assert different.json()["code"] == "idempotency_key_reused"
    jobs = coordinator.get("/v1/bulk-registrations", params={"limit": 200}).json()["items"]
    assert sum(1 for j in jobs if j["activity"]["occurred_on"] == day) == 1


def test_invalid_requests_are_problems_and_write_nothing(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    day = days_ago(5)
    pm = mentors(first_org, 1)[0]
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    before = coordinator.get("/v1/bulk-registrations", params={"limit": 200}).json()["items"]
    good = body([pm], day)
    cases: list[tuple[Any, int, str]] = [
        (b"{not json", 400, "malformed_request"),
        (b"[1, 2]", 400, "malformed_request"),
        ({**good, "participants": []}, 422, "participants"),
        (
            {**good, "participants": [{"peer_mentor_id": pm}, {"peer_mentor_id": pm}]},
            422,
            "participants",
        ),
        ({**good, "participants": [{"peer_mentor_id": "not-a-uuid"}]}, 422, "participants"),
        ({**good, "on_conflict": "sometimes"}, 422, "on_conflict"),
        (
            {**good, "activity": {**good["activity"], "occurred_on": days_ago(-3)}},
            422,
            "occurred_on",
        ),
        (
            {**good, "activity": {**good["activity"], "occurred_on": days_ago(400)}},
            422,
            "occurred_on",
        ),
        (
            {**good, "activity": {**good["activity"], "duration_minutes": 0}},
            422,
            "duration_minutes",
        ),
        (
            {**good, "activity": {**good["activity"], "duration_minutes": 1441}},
            422,
            "duration_minutes",
        ),
        ({**good, "activity": {**good["activity"], "notes": "x" * 2001}}, 422, "notes"),
        (
            {**good, "activity": {**good["activity"], "activity_type": "legacy_visit"}},
            422,
            "activity_type",
        ),
        (
            {**good, "activity": {**good["activity"], "activity_type": "no_such_type"}},
            422,
            "activity_type",
        ),
        ({**good, "surprise": 1}, 422, "surprise"),
        ({"participants": good["participants"]}, 422, "activity"),
    ]
    for payload, status, where in cases:
        if isinstance(payload, bytes):
            r = coordinator.post(
                "/v1/bulk-registrations",
                content=payload,
                headers={"Content-Type": "application/json"},
            )
        else:
            r = coordinator.post("/v1/bulk-registrations", json=payload)
        assert r.status_code == status, (payload, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["status"] == status and problem["code"]
        if status == 422:
            assert any(where in map(str, e["loc"]) for e in problem["errors"]), problem
    r = coordinator.post(
        "/v1/proxy-registrations",
        json={"peer_mentor_id": inactive, "activity": good["activity"]},
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    after = coordinator.get("/v1/bulk-registrations", params={"limit": 200}).json()["items"]
    assert [j["job_id"] for j in after] == [j["job_id"] for j in before]
    assert (
        coordinator.get("/v1/activities", params={"peer_mentor_id": inactive}).json()["items"] == []
    )


def test_poll_carries_etag_retry_after_and_answers_304(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    r = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 2, start=20), days_ago(6))
    )
    job_id = r.json()["job_id"]
    first = coordinator.get(f"/v1/bulk-registrations/{job_id}")
    if first.json()["status"] in ("queued", "running"):
        assert int(first.headers["Retry-After"]) >= 1
    final = wait_terminal(coordinator, job_id)
    assert final["status"] == "succeeded"
    settled = coordinator.get(f"/v1/bulk-registrations/{job_id}")
    assert "Retry-After" not in settled.headers
    etag = settled.headers["ETag"]
    unchanged = coordinator.get(f"/v1/bulk-registrations/{job_id}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == etag


def test_cancel_and_list_with_cursor(
    coordinator: httpx.Client, stack: Stack, first_org: dict[str, Any]
) -> None:
    r = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 2, start=22), days_ago(7))
    )
    job = wait_terminal(coordinator, r.json()["job_id"])
    late = coordinator.post(f"/v1/bulk-registrations/{job['job_id']}/cancel")
    assert late.status_code == 409 and late.json()["code"] == "invalid_state"

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = coordinator.get("/v1/bulk-registrations", params=params).json()
        seen += [j["job_id"] for j in page["items"]]
        assert all("items" not in j for j in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    everything = coordinator.get("/v1/bulk-registrations", params={"limit": 200}).json()["items"]
    assert seen == [j["job_id"] for j in everything]
    assert len(seen) == len(set(seen)) >= 2
    bad = coordinator.get("/v1/bulk-registrations", params={"cursor": "garbage!"})
    assert bad.status_code == 422
