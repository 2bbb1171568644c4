"""Undo and repeat over HTTP against the running stack: a job undone, one record deleted, and
a job's people downloaded and registered again. Each test registers on days of its own."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.http import activities_on, days_ago, wait_terminal
from tests.support.http import bulk_body as body
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack


def _people(org: dict[str, Any], start: int, n: int) -> list[dict[str, Any]]:
    return [p for p in org["peer_mentors"] if p["active"]][start : start + n]


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_a_job_undone_then_its_people_registered_again_from_the_file(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    people = _people(first_org, 20, 4)
    participants = [{"email": p["email"]} for p in people[:2]] + [
        {"member_number": p["member_number"]} for p in people[2:]
    ]
    submitted = coordinator.post(
        "/v1/bulk-registrations",
        json={
            "activity": {"activity_type": "home_visit", "occurred_on": days_ago(171),
                         "duration_minutes": 45},
            "participants": participants,
            "on_conflict": "skip",
        },
    )  # fmt: skip
    job_id = submitted.json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "succeeded"
    undo = f"/v1/bulk-registrations/{job_id}/undo"

    mentor = stack.client(people[0]["token"])
    _problem(mentor.post(undo, json={"reason": "mine"}), 403, "forbidden")
    _problem(coordinator.post(undo, json={"reason": ""}), 422, "validation_error")
    _problem(coordinator.post(undo, json={"reason": "x" * 501}), 422, "validation_error")
    undone = coordinator.post(undo, json={"reason": "the wrong date\nall of them"})
    assert undone.status_code == 200, undone.text
    job = undone.json()
    assert job["status"] == "undone" and job["undo_reason"] == "the wrong date\nall of them"
    assert job["undone_by"] == first_org["coordinators"][0]["id"] and job["undone_at"]
    assert coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["status"] == "undone"
    assert activities_on(coordinator, job_id) == []
    deleted = coordinator.get(
        "/v1/activities", params={"bulk_job_id": job_id, "include_deleted": "true"}
    ).json()["items"]
    assert len(deleted) == 4
    assert {a["deletion_reason"] for a in deleted} == {"the wrong date\nall of them"}
    own = mentor.get("/v1/activities", params={"limit": 200}).json()["items"]
    assert [a for a in own if a["bulk_job_id"] == job_id] == []  # their own list: gone
    _problem(coordinator.post(undo, json={"reason": "again"}), 409, "invalid_state")
    events = coordinator.get("/v1/events", params={"type": "bulk_registration.undone"}).json()
    assert job_id in [e["data"]["job_id"] for e in events["items"]]

    download = coordinator.get(f"/v1/bulk-registrations/{job_id}/participants.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines()[0] == "email,member_number"
    again = coordinator.post(
        "/v1/bulk-registrations",
        data={"activity_type": "home_visit", "occurred_on": days_ago(172),
              "duration_minutes": "45", "on_conflict": "skip"},
        files={"participants": ("participants.csv", download.content, "text/csv")},
    )  # fmt: skip
    assert again.status_code == 202, again.text
    repeated = wait_terminal(coordinator, again.json()["job_id"])
    assert repeated["status"] == "succeeded"
    assert [i["peer_mentor_id"] for i in repeated["items"]] == [p["id"] for p in people]
    assert [i["given"] for i in repeated["items"]] == participants


def test_only_a_succeeded_job_of_ones_own_organization_is_undone(
    stack: Stack, demo: dict[str, Any], coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    day = days_ago(173)
    pms = mentors(first_org, 3, start=24)
    proxy = coordinator.post(
        "/v1/proxy-registrations",
        json={"peer_mentor_id": pms[0],
              "activity": {"activity_type": "home_visit", "occurred_on": day,
                           "duration_minutes": 60}},
    )  # fmt: skip
    assert proxy.status_code == 201, proxy.text
    review = coordinator.post("/v1/bulk-registrations", json=body(pms, day)).json()["job_id"]
    assert wait_terminal(coordinator, review)["status"] == "needs_review"
    _problem(
        coordinator.post(f"/v1/bulk-registrations/{review}/undo", json={"reason": "r"}),
        409,
        "invalid_state",
    )
    csv = coordinator.get(f"/v1/bulk-registrations/{review}/participants.csv").text
    assert csv.splitlines() == ["peer_mentor_id", *pms]  # a job that did not succeed: all

    done = coordinator.post("/v1/bulk-registrations", json=body(pms[1:], days_ago(174)))
    job_id = done.json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "succeeded"
    outsider = stack.client(demo["organizations"][1]["coordinators"][0]["token"])
    for response in (
        outsider.post(f"/v1/bulk-registrations/{job_id}/undo", json={"reason": "not mine"}),
        outsider.get(f"/v1/bulk-registrations/{job_id}/participants.csv"),
    ):
        _problem(response, 404, "not_found")
    assert len(activities_on(coordinator, job_id)) == 2
    _problem(
        coordinator.post(f"/v1/bulk-registrations/{job_id}/undo", content=b'{"reason": "r"}'),
        415,
        "unsupported_media_type",
    )


def test_one_record_deleted_softly_by_staff_and_not_by_others(
    stack: Stack, demo: dict[str, Any], coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    participant, other = _people(first_org, 27, 2)
    created = coordinator.post(
        "/v1/proxy-registrations",
        json={"peer_mentor_id": participant["id"],
              "activity": {"activity_type": "phone_call", "occurred_on": days_ago(175),
                           "duration_minutes": 15}},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    path = f"/v1/activities/{created.json()['id']}"
    reason = {"reason": "registered for the wrong person"}

    # The participant sees it but did not register it; another peer mentor does not see it;
    # another organization's coordinator neither.
    _problem(
        stack.client(participant["token"]).request("DELETE", path, json=reason), 403, "forbidden"
    )
    _problem(stack.client(other["token"]).request("DELETE", path, json=reason), 404, "not_found")
    outsider = stack.client(demo["organizations"][1]["coordinators"][0]["token"])
    _problem(outsider.request("DELETE", path, json=reason), 404, "not_found")
    _problem(coordinator.request("DELETE", path, json={}), 422, "validation_error")

    gone = coordinator.request("DELETE", path, json=reason)
    assert gone.status_code == 204 and gone.content == b""
    _problem(coordinator.request("DELETE", path, json=reason), 409, "invalid_state")
    listed = coordinator.get(
        "/v1/activities", params={"peer_mentor_id": participant["id"], "include_deleted": "true"}
    ).json()["items"]
    (record,) = [a for a in listed if a["id"] == created.json()["id"]]
    assert record["deletion_reason"] == reason["reason"]
    assert record["deleted_by"] == first_org["coordinators"][0]["id"]
