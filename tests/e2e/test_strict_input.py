"""Input that could mislead is refused with a clear problem, and nothing is written: a JSON
body that does not say it is JSON in UTF-8, a member name given twice."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.http import bulk_body, days_ago, demo_mentors


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
