"""Request bodies and demo data for tests that drive the stack over HTTP."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import httpx


def demo_mentors(org: dict[str, Any], n: int, start: int = 0) -> list[str]:
    """Ids of ``n`` active peer mentors of a demo organization, from the ``start``-th on."""
    return [p["id"] for p in org["peer_mentors"] if p["active"]][start : start + n]


def bulk_body(
    pms: list[str], day: str, on_conflict: str = "review", activity_type: str = "home_visit"
) -> dict[str, Any]:
    return {
        "activity": {"activity_type": activity_type, "occurred_on": day, "duration_minutes": 60},
        "participants": [{"peer_mentor_id": pm} for pm in pms],
        "on_conflict": on_conflict,
    }


def activities_on(client: httpx.Client, bulk_job_id: str) -> list[dict[str, Any]]:
    return list(
        client.get("/v1/activities", params={"bulk_job_id": bulk_job_id, "limit": 200}).json()[
            "items"
        ]
    )


TODAY = date.today()  # once per process: a test that runs past midnight keeps its days


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def wait_terminal(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/bulk-registrations/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s")


def prepare_review(
    client: httpx.Client, org: dict[str, Any], day: str, start: int
) -> tuple[list[str], dict[str, str], str]:
    pms = demo_mentors(org, 15, start=start)
    existing = {}
    for pm in pms[:4]:
        r = client.post(
            "/v1/proxy-registrations",
            json={
                "peer_mentor_id": pm,
                "activity": {
                    "activity_type": "phone_call",
                    "occurred_on": day,
                    "duration_minutes": 20,
                },
            },
        )
        assert r.status_code == 201, r.text
        existing[pm] = r.json()["id"]
    job_id = client.post(
        "/v1/bulk-registrations", json=bulk_body(pms, day, activity_type="phone_call")
    ).json()["job_id"]
    assert wait_terminal(client, job_id)["status"] == "needs_review"
    return pms, existing, job_id


def screen_session(api: str, token: str) -> str:
    """Sign in to the screen with a bearer token, as the login form does: the session's
    cookie value (a secret of its own, not the token)."""
    form = httpx.get(f"{api}/ui/login")
    login_csrf = form.cookies["bulkreg_login_csrf"]
    signed_in = httpx.post(
        f"{api}/ui/login",
        data={"token": token, "csrf": login_csrf},
        headers={"Cookie": f"bulkreg_login_csrf={login_csrf}"},
    )
    assert signed_in.status_code == 303, signed_in.text
    return str(signed_in.cookies["bulkreg_session"])
