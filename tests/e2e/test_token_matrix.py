"""Every way a bearer token can be wrong is a 401 problem; the database is the truth."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt

from tests.support.http import days_ago
from tests.support.stack import Stack


def secret(stack: Stack) -> str:
    return str(json.loads((stack.data_dir / "secrets.json").read_text())["jwt_secret"])


def claims(user: dict[str, Any], org_id: str, role: str, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": user["id"], "role": role, "org_id": org_id, "iat": now, "exp": now + 600} | over


def test_token_matrix(stack: Stack, demo: dict[str, Any], first_org: dict[str, Any]) -> None:
    key = secret(stack)
    coordinator = first_org["coordinators"][0]
    good = claims(coordinator, first_org["id"], "coordinator")
    header, payload, signature = jwt.encode(good, key, algorithm="HS256").split(".")
    tampered_payload = (
        base64.urlsafe_b64encode(json.dumps(good | {"role": "admin"}).encode()).decode().rstrip("=")
    )
    inactive = next(p for p in first_org["peer_mentors"] if not p["active"])
    unsigned_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    tokens = {
        "garbage": "not.a.token",
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "alg none": f"{unsigned_header}.{payload}.",
        "expired": jwt.encode(good | {"exp": int(time.time()) - 5}, key, algorithm="HS256"),
        "wrong secret": jwt.encode(good, "wrong-secret-" + "z" * 40, algorithm="HS256"),
        "unknown user": jwt.encode(good | {"sub": str(uuid.uuid4())}, key, algorithm="HS256"),
        "inactive user": inactive["token"],
        "role mismatch": jwt.encode(good | {"role": "admin"}, key, algorithm="HS256"),
        "org mismatch": jwt.encode(
            good | {"org_id": demo["organizations"][1]["id"]}, key, algorithm="HS256"
        ),
        "missing claim": jwt.encode(
            {k: v for k, v in good.items() if k != "org_id"}, key, algorithm="HS256"
        ),
    }
    for name, token in tokens.items():
        r = httpx.get(f"{stack.api}/v1/activities", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        assert r.headers["content-type"].startswith("application/problem+json"), name
        assert r.json()["code"] == "unauthenticated", name
    ok = httpx.get(
        f"{stack.api}/v1/activities",
        headers={"Authorization": f"Bearer {jwt.encode(good, key, algorithm='HS256')}"},
    )
    assert ok.status_code == 200


def test_a_role_the_database_denies_is_forbidden(stack: Stack, first_org: dict[str, Any]) -> None:
    mentor = next(p for p in first_org["peer_mentors"] if p["active"])
    client = stack.client(mentor["token"])
    for method, path in (
        ("GET", "/v1/bulk-registrations"),
        ("GET", f"/v1/bulk-registrations/{uuid.uuid4()}"),
        ("POST", "/v1/proxy-registrations"),
    ):
        r = client.request(method, path, json={})
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["code"] == "forbidden"


def test_a_peer_mentor_sees_the_activities_they_took_part_in_and_no_others(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any], demo: dict[str, Any]
) -> None:
    mentor = next(p for p in first_org["peer_mentors"] if p["active"])
    made = coordinator.post(
        "/v1/proxy-registrations",
        json={
            "peer_mentor_id": mentor["id"],
            "activity": {
                "activity_type": "home_visit",
                "occurred_on": days_ago(20),
                "duration_minutes": 5,
            },
        },
    )
    assert made.status_code == 201
    listed = (
        stack.client(mentor["token"]).get("/v1/activities", params={"limit": 200}).json()["items"]
    )
    # Registered for them by a coordinator: theirs to see (docs/api.md, "Activities"), and nobody else's.
    assert made.json()["id"] in [a["id"] for a in listed]
    assert all(a["peer_mentor_id"] == mentor["id"] for a in listed)
    other = next(p for p in first_org["peer_mentors"] if p["active"] and p["id"] != mentor["id"])
    seen_by_other = stack.client(other["token"]).get("/v1/activities", params={"limit": 200})
    assert made.json()["id"] not in [a["id"] for a in seen_by_other.json()["items"]]
    staff = coordinator.get("/v1/activities", params={"limit": 200}).json()["items"]
    assert staff and all(a["org_id"] == first_org["id"] for a in staff)
    outsider = stack.client(demo["organizations"][1]["coordinators"][0]["token"])
    theirs = outsider.get(
        "/v1/activities", params={"peer_mentor_id": staff[0]["peer_mentor_id"]}
    ).json()["items"]
    assert theirs == []
