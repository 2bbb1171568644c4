"""Authentication and the route guard over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.http import days_ago
from tests.support.stack import Stack


def test_health_readiness_and_openapi(stack: Stack) -> None:
    client = stack.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/bulk-registrations",
        "/v1/bulk-registrations/{job_id}",
        "/v1/bulk-registrations/{job_id}/cancel",
        "/v1/bulk-registrations/{job_id}/resolution",
        "/v1/proxy-registrations",
        "/v1/activities",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path


def test_missing_and_garbage_tokens_are_401_problems(stack: Stack) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        r = httpx.get(f"{stack.api}/v1/bulk-registrations", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "unauthenticated"


def test_a_peer_mentor_is_stopped_at_the_route(stack: Stack, first_org: dict[str, Any]) -> None:
    mentor = next(p for p in first_org["peer_mentors"] if p["active"])
    client = stack.client(mentor["token"])
    r = client.post(
        "/v1/bulk-registrations",
        json={
            "activity": {
                "activity_type": "home_visit",
                "occurred_on": days_ago(1),
                "duration_minutes": 5,
            },
            "participants": [{"peer_mentor_id": mentor["id"]}],
        },
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert client.get("/v1/activities").status_code == 200


def test_another_organizations_job_is_not_found(
    stack: Stack, demo: dict[str, Any], coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pm = next(p["id"] for p in first_org["peer_mentors"] if p["active"])
    job_id = coordinator.post(
        "/v1/bulk-registrations",
        json={
            "activity": {
                "activity_type": "phone_call",
                "occurred_on": days_ago(8),
                "duration_minutes": 5,
            },
            "participants": [{"peer_mentor_id": pm}],
        },
    ).json()["job_id"]
    outsider = stack.client(demo["organizations"][1]["coordinators"][0]["token"])
    for method, path in (("GET", ""), ("POST", "/cancel"), ("POST", "/resolution")):
        r = outsider.request(
            method, f"/v1/bulk-registrations/{job_id}{path}", json={"default": "cancel"}
        )
        assert r.status_code == 404, (path, r.text)
        assert r.json()["code"] == "not_found"
