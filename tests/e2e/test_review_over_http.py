"""The duplicate review, to the end, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.http import activities_on, days_ago, prepare_review, wait_terminal
from tests.support.http import demo_mentors as mentors


def test_override_two_cancel_two_registers_thirteen(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pms, existing, job_id = prepare_review(coordinator, first_org, days_ago(10), start=0)
    decisions = [{"peer_mentor_id": pm, "action": "override"} for pm in pms[:2]]
    decisions += [{"peer_mentor_id": pm, "action": "cancel"} for pm in pms[2:4]]
    r = coordinator.post(
        f"/v1/bulk-registrations/{job_id}/resolution", json={"decisions": decisions}
    )
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"

    job = wait_terminal(coordinator, job_id)
    assert job["status"] == "succeeded"
    assert job["counts"] == {
        "total": 15,
        "ready": 0,
        "registered": 11,
        "overridden": 2,
        "skipped": 0,
        "conflict": 0,
        "invalid": 0,
        "cancelled": 2,
    }
    written = activities_on(coordinator, job_id)
    assert len(written) == 13
    coordinator_id = first_org["coordinators"][0]["id"]
    assert {a["registered_by"] for a in written} == {coordinator_id}
    assert {a["source"] for a in written} == {"bulk"}
    overrides = {a["peer_mentor_id"]: a["duplicate_of"] for a in written if a["duplicate_of"]}
    assert overrides == {pm: existing[pm] for pm in pms[:2]}
    assert not {a["peer_mentor_id"] for a in written} & set(pms[2:4])


def test_default_cancel_skips_all_conflicts_and_submits_the_rest(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pms, _, job_id = prepare_review(coordinator, first_org, days_ago(11), start=0)
    r = coordinator.post(f"/v1/bulk-registrations/{job_id}/resolution", json={"default": "cancel"})
    assert r.status_code == 202
    job = wait_terminal(coordinator, job_id)
    assert (job["status"], job["counts"]["registered"], job["counts"]["cancelled"]) == (
        "succeeded",
        11,
        4,
    )
    assert {a["peer_mentor_id"] for a in activities_on(coordinator, job_id)} == set(pms[4:])


def test_resolution_rules_are_enforced(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pms, _, job_id = prepare_review(coordinator, first_org, days_ago(12), start=0)
    url = f"/v1/bulk-registrations/{job_id}/resolution"
    uncovered = coordinator.post(
        url, json={"decisions": [{"peer_mentor_id": pms[0], "action": "override"}]}
    )
    assert uncovered.status_code == 422 and uncovered.json()["code"] == "validation_error"
    stranger = coordinator.post(
        url,
        json={
            "decisions": [
                {"peer_mentor_id": mentors(first_org, 1, start=25)[0], "action": "cancel"}
            ],
            "default": "cancel",
        },
    )
    assert stranger.status_code == 422
    bad_action = coordinator.post(url, json={"default": "maybe"})
    assert bad_action.status_code == 422
    assert coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["status"] == "needs_review"
    assert (
        coordinator.post(f"/v1/bulk-registrations/{job_id}/cancel").json()["status"] == "cancelled"
    )
    again = coordinator.post(url, json={"default": "cancel"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert activities_on(coordinator, job_id) == []


def test_proxy_registration_duplicate_and_override(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pm = mentors(first_org, 1, start=26)[0]
    activity = {
        "activity_type": "group_meeting",
        "occurred_on": days_ago(13),
        "duration_minutes": 90,
        "notes": "weekly",
    }
    spoofer = first_org["coordinators"][1]["id"]
    first = coordinator.post(
        "/v1/proxy-registrations",
        json={"peer_mentor_id": pm, "activity": activity, "registered_by": spoofer},
    )
    assert first.status_code == 201
    created = first.json()
    assert created["registered_by"] == first_org["coordinators"][0]["id"]
    assert (created["source"], created["duplicate_of"], created["notes"]) == (
        "proxy",
        None,
        "weekly",
    )

    duplicate = coordinator.post(
        "/v1/proxy-registrations", json={"peer_mentor_id": pm, "activity": activity}
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"].startswith("application/problem+json")
    assert duplicate.json()["code"] == "duplicate_activity"
    assert duplicate.json()["conflict"]["activity_id"] == created["id"]

    override = coordinator.post(
        "/v1/proxy-registrations",
        json={"peer_mentor_id": pm, "activity": activity, "override_duplicate": True},
    )
    assert override.status_code == 201
    assert override.json()["duplicate_of"] == created["id"]
    listed = coordinator.get("/v1/activities", params={"peer_mentor_id": pm, "limit": 200}).json()[
        "items"
    ]
    ours = [a["id"] for a in listed if a["occurred_on"] == activity["occurred_on"]]
    assert ours == [override.json()["id"], created["id"]]  # newest first


def test_proxy_registration_refuses_invalid_participants(
    coordinator: httpx.Client, first_org: dict[str, Any], demo: dict[str, Any]
) -> None:
    activity = {"activity_type": "home_visit", "occurred_on": days_ago(14), "duration_minutes": 30}
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    cases = {
        "00000000-0000-0000-0000-000000000001": "unknown_participant",
        inactive: "inactive_participant",
        first_org["coordinators"][1]["id"]: "not_a_peer_mentor",
        demo["organizations"][1]["peer_mentors"][0]["id"]: "unknown_participant",
    }
    for pm, code in cases.items():
        r = coordinator.post(
            "/v1/proxy-registrations", json={"peer_mentor_id": pm, "activity": activity}
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["type"] == code
        assert r.json()["errors"][0]["loc"] == ["body", "peer_mentor_id"]
