"""Personal data over HTTP and the command line against the running stack: an admin exports
and erases a person; everyone else is refused; the operator's three commands. Each test
erases a peer mentor it adds for the purpose: the demo's people serve the other tests of the
session, which must still find them."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx

from tests.support.stack import BULKREG, Stack


def bulkreg(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BULKREG.resolve()), *args], capture_output=True, text=True, env=stack.env, timeout=120
    )


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def _new_peer_mentor(stack: Stack, org: dict[str, Any], which: str) -> dict[str, Any]:
    """A peer mentor added for one test to erase, with a token of their own."""
    email = f"to.be.forgotten.{which}@example.org"
    added = bulkreg(stack, "user", "add", "--org", org["id"], "--role", "peer_mentor",
                    "--name", f"Forgotten {which.title()}", "--email", email,
                    "--member-number", f"GONE-{which.upper()}")  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = bulkreg(stack, "token", "--org", org["id"], "--email", email)
    assert token.returncode == 0, token.stderr
    return {"id": added.stdout.strip(), "email": email, "token": token.stdout.strip()}


def _admin_of(stack: Stack, org: str) -> str:
    """A token of a new admin of that organization (the demo's second has none)."""
    email = "privacy.admin@example.org"
    added = bulkreg(stack, "user", "add", "--org", org, "--role", "admin",
                    "--name", "Privacy Admin", "--email", email)  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = bulkreg(stack, "token", "--org", org, "--email", email)
    assert token.returncode == 0, token.stderr
    return token.stdout.strip()


def test_an_admin_exports_and_erases_a_person_and_no_one_else_may(
    stack: Stack, first_org: dict[str, Any], demo: dict[str, Any]
) -> None:
    person = _new_peer_mentor(stack, first_org, "one")
    admin = stack.client(first_org["admins"][0]["token"])
    coordinator = stack.client(first_org["coordinators"][0]["token"])
    mentor = stack.client(person["token"])
    stranger = stack.client(_admin_of(stack, demo["organizations"][1]["id"]))
    export = f"/v1/people/{person['id']}/export"
    erase = f"/v1/people/{person['id']}/erase"

    _problem(coordinator.get(export), 403, "forbidden")
    _problem(mentor.get(export), 403, "forbidden")
    _problem(stranger.get(export), 404, "not_found")
    _problem(admin.get("/v1/people/00000000-0000-0000-0000-000000000009/export"), 404, "not_found")
    found = admin.get(export)
    assert found.status_code == 200, found.text
    document = found.json()
    assert document["profile"]["email"] == person["email"]
    assert {"role_history", "activities_as_participant", "activities_as_registrar",
            "bulk_job_items", "audit_log", "events", "webhook_deliveries", "emails",
            "sign_in_links", "screen_sessions"} <= set(document)  # fmt: skip

    _problem(coordinator.post(erase, json={"reason": "asked"}), 403, "forbidden")
    # The route's own guard: it refuses before the body is read (the service is never
    # reached with a body that would not validate).
    _problem(coordinator.post(erase, json={"why": 1}), 403, "forbidden")
    _problem(mentor.post(erase, content=b"not json"), 403, "forbidden")
    _problem(stranger.post(erase, json={"reason": "asked"}), 404, "not_found")
    _problem(admin.post(erase, json={"reason": ""}), 422, "validation_error")
    _problem(admin.post(erase, json={"reason": "x" * 501}), 422, "validation_error")
    _problem(admin.post(erase, json={"why": "asked"}), 422, "validation_error")
    assert mentor.get(export).status_code == 403  # still themselves, until erased
    erased = admin.post(erase, json={"reason": "they asked to be forgotten"})
    assert erased.status_code == 200, erased.text
    pseudonym = erased.json()["display_name"]
    assert pseudonym.startswith("Erased person ")
    _problem(admin.post(erase, json={"reason": "again"}), 409, "invalid_state")
    _problem(mentor.get("/v1/activities"), 401, "unauthenticated")  # deactivated
    after = admin.get(export).json()
    assert after["profile"]["display_name"] == pseudonym
    assert after["profile"]["email"] is None and after["profile"]["active"] is False
    audit = admin.get("/v1/audit-log", params={"action": "person.erase"}).json()["items"]
    assert [e["target"] for e in audit] == [f"user:{person['id']}"]
    assert person["email"] not in str(audit)


def test_the_operators_three_commands(stack: Stack, first_org: dict[str, Any]) -> None:
    person = _new_peer_mentor(stack, first_org, "two")
    org = first_org["id"]

    exported = bulkreg(stack, "person", "export", "--org", org, "--email", person["email"])
    assert exported.returncode == 0, exported.stderr
    assert person["email"] in exported.stdout and '"sign_in_links"' in exported.stdout

    erased = bulkreg(stack, "person", "erase", "--org", org, "--email", person["email"],
                     "--reason", "asked by letter")  # fmt: skip
    assert erased.returncode == 0, erased.stderr
    assert "Erased person " in erased.stdout
    again = bulkreg(stack, "person", "erase", "--org", org, "--email", person["email"],
                    "--reason", "asked by letter")  # fmt: skip
    assert again.returncode == 1 and "no person with email" in again.stderr

    dry = bulkreg(stack, "retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "A run now would delete:" in dry.stdout
    assert "events older than 30 days" in dry.stdout
    assert "audit-log entries older than 1825 days" in dry.stdout
    ran = bulkreg(stack, "retention")
    assert ran.returncode == 0 and "Deleted:" in ran.stdout
