"""Request bodies and demo data for tests that drive the stack over HTTP."""

from __future__ import annotations

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
