"""Attacks on the running stack that the layers above the database must refuse cleanly:
oversized bodies, NUL characters, loose types, tokens that should not work, framing and
login CSRF on the screen, malformed idempotency keys, secrets on command lines."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import jwt
import psycopg
import pytest

from bulkreg.devstack.postgres import EmbeddedPostgres
from persistence.collation import sort_key
from persistence.database import libpq_url
from tests.support.http import bulk_body, days_ago, demo_mentors, screen_session
from tests.support.stack import Stack

MAX_BODY = 4 * 1024 * 1024


def dev_secrets(stack: Stack) -> dict[str, str]:
    secrets = json.loads((stack.data_dir / "secrets.json").read_text())
    return dict(secrets) | json.loads((stack.data_dir / "server-secrets.json").read_text())


def sign(stack: Stack, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, dev_secrets(stack)["jwt_secret"], algorithm="HS256")


def claims_of(
    user: dict[str, Any], org: dict[str, Any], role: str, **overrides: Any
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": user["id"],
        "role": role,
        "org_id": org["id"],
        "iat": now,
        "exp": now + 600,
    } | overrides


def assert_problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code


def jobs_count(stack: Stack) -> int:
    url = libpq_url(EmbeddedPostgres(stack.data_dir).url("postgres"))
    with psycopg.connect(url) as conn:
        return int(conn.execute("select count(*) from bulk_jobs").fetchone()[0])  # type: ignore[index]


def test_a_body_over_the_limit_is_413_without_being_read_whole(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    before = jobs_count(stack)
    huge = b'{"participants": [' + b'{"peer_mentor_id": "x"},' * (MAX_BODY // 24) + b"]}"
    assert len(huge) > MAX_BODY + 1
    assert_problem(
        coordinator.post(
            "/v1/bulk-registrations", content=huge, headers={"Content-Type": "application/json"}
        ),
        413,
        "payload_too_large",
    )

    def chunks() -> Any:  # no Content-Length: counted as it streams in
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    assert_problem(
        coordinator.post(
            "/v1/bulk-registrations", content=chunks(), headers={"Content-Type": "application/json"}
        ),
        413,
        "payload_too_large",
    )
    exactly_over = b" " * (MAX_BODY + 1)
    assert_problem(
        coordinator.post(
            "/v1/proxy-registrations",
            content=exactly_over,
            headers={"Content-Type": "application/json"},
        ),
        413,
        "payload_too_large",
    )
    # Without a valid token, the answer is 401 and the body is never read.
    assert_problem(
        httpx.post(
            f"{stack.api}/v1/bulk-registrations",
            content=huge,
            headers={"Authorization": "Bearer nope", "Content-Type": "application/json"},
        ),
        401,
        "unauthenticated",
    )
    assert jobs_count(stack) == before
    assert httpx.get(f"{stack.api}/healthz").status_code == 200


def test_the_schema_declares_the_largest_submission(stack: Stack) -> None:
    document = httpx.get(f"{stack.api}/openapi.json").json()
    participants = document["components"]["schemas"]["BulkSubmission"]["properties"]["participants"]
    assert participants["maxItems"] == 10_000
    body = document["paths"]["/v1/bulk-registrations"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/BulkSubmission")


@pytest.mark.parametrize(
    ("where", "field"),
    [("bulk", "notes"), ("bulk", "activity_type"), ("proxy", "notes"), ("proxy", "activity_type")],
)
def test_a_nul_character_is_a_422_and_writes_nothing(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any], where: str, field: str
) -> None:
    before = jobs_count(stack)
    activity = {"activity_type": "home_visit", "occurred_on": days_ago(3), "duration_minutes": 30}
    activity[field] = "visit\x00ed"
    mentor = demo_mentors(first_org, 1)[0]
    if where == "bulk":
        r = coordinator.post(
            "/v1/bulk-registrations",
            json={"activity": activity, "participants": [{"peer_mentor_id": mentor}]},
        )
    else:
        r = coordinator.post(
            "/v1/proxy-registrations", json={"peer_mentor_id": mentor, "activity": activity}
        )
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["loc"] == ["body", "activity", field]
    assert jobs_count(stack) == before


def test_a_nul_character_in_an_anomaly_reason_is_a_422(coordinator: httpx.Client) -> None:
    r = coordinator.post(
        f"/v1/anomalies/{uuid4()}/resolve", json={"action": "dismiss", "reason": "because\x00"}
    )
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["loc"] == ["body", "reason"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("activity", "duration_minutes"), True),
        (("activity", "duration_minutes"), "45"),
        (("participants", 0, "override_duplicate"), "yes"),
        (("participants", 0, "override_duplicate"), 1),
        (("on_conflict",), 1),
    ],
)
def test_json_bodies_are_strict(
    stack: Stack,
    coordinator: httpx.Client,
    first_org: dict[str, Any],
    path: tuple[Any, ...],
    value: object,
) -> None:
    before = jobs_count(stack)
    body = bulk_body(demo_mentors(first_org, 1), days_ago(4))
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    r = coordinator.post("/v1/bulk-registrations", json=body)
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["loc"] == ["body", *path]
    assert jobs_count(stack) == before


def test_a_json_body_must_say_it_is_json(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    body = json.dumps(bulk_body(demo_mentors(first_org, 1), days_ago(4)))
    r = coordinator.post(
        "/v1/bulk-registrations", content=body, headers={"Content-Type": "text/plain"}
    )
    assert_problem(r, 415, "unsupported_media_type")


def test_authentication_comes_before_validation(stack: Stack, first_org: dict[str, Any]) -> None:
    """A correctly signed token whose user was deactivated, with an invalid body (and with
    an invalid query): 401, not 422."""
    user = {"id": str(uuid4())}
    url = libpq_url(EmbeddedPostgres(stack.data_dir).url("postgres"))
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into users (id, org_id, role, display_name, name_sort_key, "
            "name_sort_key_en, active) "
            "values (%s, %s, 'coordinator', 'Gone Coordinator', %s, %s, true)",
            (
                user["id"],
                first_org["id"],
                sort_key("Gone Coordinator", "nb"),
                sort_key("Gone Coordinator", "en"),
            ),
        )
    client = stack.client(sign(stack, claims_of(user, first_org, "coordinator")))
    assert client.get("/v1/bulk-registrations").status_code == 200  # valid while active
    with psycopg.connect(url) as conn:
        conn.execute("update users set active = false where id = %s", (user["id"],))
    assert_problem(
        client.post("/v1/bulk-registrations", json={"activity": 1}), 401, "unauthenticated"
    )
    assert_problem(client.get("/v1/activities?limit=0"), 401, "unauthenticated")
    assert_problem(client.post("/v1/bulk-registrations", content=b"{"), 401, "unauthenticated")


# Each lifetime is made from the time the test runs, not the time it was collected (an hour
# into a long session "issued in the future" would have been issued in the past).
ODD_LIFETIMES: dict[str, Callable[[int], dict[str, Any]]] = {
    "exp as a string": lambda now: {"exp": str(now + 600)},
    "iat as a string": lambda now: {"iat": str(now)},
    "the year 9999": lambda now: {"exp": 253402300799},
    "issued in the future": lambda now: {"iat": now + 3600, "exp": now + 4000},
    "exp true": lambda now: {"exp": True},
}


@pytest.mark.parametrize("odd", ODD_LIFETIMES)
def test_tokens_with_odd_lifetimes_are_refused(
    stack: Stack, first_org: dict[str, Any], odd: str
) -> None:
    coordinator = first_org["coordinators"][0]
    overrides = ODD_LIFETIMES[odd](int(time.time()))
    token = sign(stack, claims_of(coordinator, first_org, "coordinator", **overrides))
    assert_problem(stack.client(token).get("/v1/bulk-registrations"), 401, "unauthenticated")


def test_every_screen_page_refuses_to_be_framed(stack: Stack) -> None:
    for path in ("/ui/login", "/ui/", f"/ui/jobs/{uuid4()}"):
        r = httpx.get(f"{stack.api}{path}")
        assert r.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path


def test_the_login_form_refuses_a_post_from_another_site(
    stack: Stack, first_org: dict[str, Any]
) -> None:
    """Another site can make a browser post the form, but cannot read or set the CSRF
    cookie (SameSite=Strict): without the pair, no session cookie is set."""
    token = first_org["coordinators"][0]["token"]
    forged = httpx.post(
        f"{stack.api}/ui/login",
        data={"token": token, "csrf": "guessed"},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert "bulkreg_session" not in forged.headers.get("set-cookie", "")
    form = httpx.get(f"{stack.api}/ui/login")
    csrf = form.cookies["bulkreg_login_csrf"]
    assert f'value="{csrf}"' in form.text
    # (The cookie is Secure: a browser sends it to localhost, httpx only when told to.)
    cookie = {"Cookie": f"bulkreg_login_csrf={csrf}"}
    wrong = httpx.post(
        f"{stack.api}/ui/login", data={"token": token, "csrf": "guessed"}, headers=cookie
    )
    assert wrong.status_code == 403
    signed_in = httpx.post(
        f"{stack.api}/ui/login", data={"token": f"Bearer {token}", "csrf": csrf}, headers=cookie
    )
    assert signed_in.status_code == 303
    assert "bulkreg_session=" in signed_in.headers["set-cookie"]


@pytest.mark.parametrize(
    "raw_headers",
    [
        [(b"Idempotency-Key", b"with\ttab")],
        [(b"Idempotency-Key", b"caf\xff")],
        [(b"Idempotency-Key", b"one"), (b"Idempotency-Key", b"two")],
        [(b"Idempotency-Key", b"x" * 256)],
    ],
)
def test_idempotency_keys_are_one_header_of_visible_ascii(
    stack: Stack, first_org: dict[str, Any], raw_headers: list[tuple[bytes, bytes]]
) -> None:
    before = jobs_count(stack)
    token = first_org["coordinators"][0]["token"].encode()
    headers = [
        (b"Authorization", b"Bearer " + token),
        (b"Content-Type", b"application/json"),
        *raw_headers,
    ]
    body = json.dumps(bulk_body(demo_mentors(first_org, 1), days_ago(5))).encode()
    r = httpx.post(f"{stack.api}/v1/bulk-registrations", content=body, headers=headers)
    assert_problem(r, 422, "validation_error")
    assert r.json()["errors"][0]["loc"] == ["header", "idempotency-key"]
    assert jobs_count(stack) == before


def test_no_secret_on_any_command_line_of_the_stack(stack: Stack) -> None:
    secrets = dev_secrets(stack)
    flower_password = secrets["flower_basic_auth"].partition(":")[2]
    values = [v for k, v in secrets.items() if k != "flower_basic_auth"] + [flower_password]
    processes = [stack.process.pid, *(p.pid for p in stack.descendants())]
    assert len(processes) >= 6  # bulkreg up, postgres, redis, api, worker, beat, flower …
    for pid in processes:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except FileNotFoundError:
            continue
        for value in values:
            assert value not in cmdline, f"a secret on the command line of {pid}: {cmdline!r}"


def test_a_nul_character_in_the_screens_anomaly_form_is_a_422_page(
    stack: Stack, first_org: dict[str, Any]
) -> None:
    cookie = screen_session(stack.api, first_org["coordinators"][0]["token"])
    session = {"Cookie": f"bulkreg_session={cookie}"}
    page = httpx.get(f"{stack.api}/ui/", headers=session)
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, page.text
    r = httpx.post(
        f"{stack.api}/ui/anomalies/{uuid4()}/resolve",
        params={"job": str(uuid4())},
        data={"csrf": found.group(1), "action": "dismiss", "reason": "no\x00pe"},
        headers=session,
    )
    assert r.status_code == 422
    assert "text/html" in r.headers["content-type"]
