"""Input that could mislead is refused with a clear problem, and nothing is written: a JSON
body that does not say it is JSON in UTF-8, a member name given twice."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.http import bulk_body, days_ago, demo_mentors
from tests.support.stack import Stack


def problem_of(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return dict(r.json())


def job_count(coordinator: httpx.Client) -> int:
    return len(coordinator.get("/v1/bulk-registrations", params={"limit": 200}).json()["items"])


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/json; charset=latin-1", "application/x-www-form-urlencoded"],
)
def test_json_only_with_a_json_content_type_in_utf8(
    coordinator: httpx.Client, first_org: dict[str, Any], content_type: str | None
) -> None:
    before = job_count(coordinator)
    body = json.dumps(bulk_body(demo_mentors(first_org, 1), days_ago(5))).encode()
    headers = {} if content_type is None else {"Content-Type": content_type}
    request = coordinator.build_request(
        "POST", "/v1/bulk-registrations", content=body, headers=headers
    )
    assert request.headers.get("content-type") == content_type
    problem = problem_of(coordinator.send(request), 415)
    assert problem["code"] == "unsupported_media_type"
    assert job_count(coordinator) == before


def test_a_json_body_in_utf8_named_so_is_taken(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    body = json.dumps(bulk_body(demo_mentors(first_org, 1), days_ago(5))).encode()
    r = coordinator.post(
        "/v1/bulk-registrations",
        content=body,
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert r.status_code == 202, r.text


def test_a_member_name_given_twice_is_refused(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    before = job_count(coordinator)
    body = json.dumps(bulk_body(demo_mentors(first_org, 1), days_ago(6)))
    twice = body.replace(
        '"on_conflict": "review"', '"on_conflict": "review", "on_conflict": "override"'
    )
    assert twice != body
    r = coordinator.post(
        "/v1/bulk-registrations", content=twice, headers={"Content-Type": "application/json"}
    )
    problem = problem_of(r, 422)
    assert problem["code"] == "validation_error"
    assert "'on_conflict' is given twice" in problem["errors"][0]["msg"]
    assert job_count(coordinator) == before


def bulk_with(first_org: dict[str, Any], **activity: Any) -> dict[str, Any]:
    body = bulk_body(demo_mentors(first_org, 1, 7), days_ago(7))
    body["activity"] |= activity
    return body


MISLEADING = {
    "NUL": "1\u00002",
    "ESC": "\x1b[31mred",
    "BEL": "ring\x07",
    "RIGHT-TO-LEFT OVERRIDE": "report\u202egnp.exe",
    "a C1 control": "next\x85line",
}


@pytest.mark.parametrize("why", MISLEADING)
def test_text_that_could_mislead_is_refused_in_every_field(
    coordinator: httpx.Client, first_org: dict[str, Any], why: str
) -> None:
    bad = MISLEADING[why]
    before = job_count(coordinator)
    attempts = {
        "notes": coordinator.post("/v1/bulk-registrations", json=bulk_with(first_org, notes=bad)),
        "member number": coordinator.post(
            "/v1/bulk-registrations",
            json={**bulk_with(first_org), "participants": [{"member_number": bad}]},
        ),
        "email": coordinator.post(
            "/v1/bulk-registrations",
            json={**bulk_with(first_org), "participants": [{"email": f"a{bad}@example.org"}]},
        ),
        "proxy member number": coordinator.post(
            "/v1/proxy-registrations",
            json={"member_number": bad, "activity": bulk_with(first_org)["activity"]},
        ),
        "CSV member number": coordinator.post(
            "/v1/bulk-registrations",
            data={
                "activity_type": "home_visit",
                "occurred_on": days_ago(7),
                "duration_minutes": "30",
            },
            files={"participants": ("p.csv", f"member_number\n{bad}\n".encode(), "text/csv")},
        ),
    }
    for field, answer in attempts.items():
        problem = problem_of(answer, 422)
        assert problem["code"] == "validation_error", (field, problem)
    assert job_count(coordinator) == before


def test_notes_keep_their_tabs_and_line_breaks(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    notes = "first line\r\n\tsecond line"
    r = coordinator.post("/v1/bulk-registrations", json=bulk_with(first_org, notes=notes))
    assert r.status_code == 202, r.text
    job = coordinator.get(f"/v1/bulk-registrations/{r.json()['job_id']}").json()
    assert job["activity"]["notes"] == "first line\n\tsecond line"


@pytest.mark.parametrize("duration", ["45.0", " 45 ", "4e1", "٤٥"])
def test_a_forms_duration_is_as_strict_as_json(
    coordinator: httpx.Client, first_org: dict[str, Any], duration: str
) -> None:
    email = next(p for p in first_org["peer_mentors"] if p["active"])["email"]
    r = coordinator.post(
        "/v1/bulk-registrations",
        data={
            "activity_type": "home_visit",
            "occurred_on": days_ago(8),
            "duration_minutes": duration,
        },
        files={"participants": ("p.csv", f"email\n{email}\n".encode(), "text/csv")},
    )
    problem = problem_of(r, 422)
    assert ["body", "duration_minutes"] in [e["loc"] for e in problem["errors"]]


@pytest.mark.parametrize(
    "url",
    ["http://[::ffff:127.1]/", "https://hooks.example.org/in\r\nX-Injected: 1", "https://a b/"],
)
def test_a_webhook_url_that_cannot_be_read_or_carries_controls_is_a_422(
    stack: Stack, first_org: dict[str, Any], url: str
) -> None:
    with stack.client(first_org["admins"][0]["token"]) as admin:
        problem = problem_of(admin.post("/v1/webhooks", json={"url": url, "types": ["*"]}), 422)
        assert problem["code"] == "validation_error"
        assert all(w["url"] != url for w in admin.get("/v1/webhooks").json()["items"])
