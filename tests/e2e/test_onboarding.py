"""An organization set up from nothing with the CLI, as the README's getting-started shows:
the organization, its coordinator, its activity type, its roster, a token and a sign-in
link — then a submission by email with ``BULKREG_TOKEN`` and names in the outcome."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.http import days_ago
from tests.support.stack import BULKREG, Stack


def bulkreg(
    stack: Stack, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BULKREG.resolve()), *args],
        capture_output=True,
        text=True,
        env=stack.env | {"COLUMNS": "200", "NO_COLOR": "1"} | (env or {}),
        timeout=120,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def refused(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_an_organization_from_nothing_to_its_first_bulk_registration(
    stack: Stack, tmp_path: Path
) -> None:
    name = "Fjord Mentors"  # the stack is the session's own: no other organization is named so
    org_id = ok(bulkreg(stack, "org", "add", "--name", name, "--timezone", "Europe/Oslo"))
    refused(bulkreg(stack, "org", "add", "--name", name, "--timezone", "UTC"), "exists")
    refused(bulkreg(stack, "org", "add", "--name", "X", "--timezone", "Mars/Base"), "time zone")

    email = "lead@fjord.example.org"
    ok(bulkreg(stack, "user", "add", "--org", name, "--role", "coordinator",
               "--name", "Liv Lead", "--email", email))  # fmt: skip
    refused(
        bulkreg(stack, "user", "add", "--org", org_id, "--role", "coordinator",
                "--name", "Twin", "--email", email.upper()),
        "has this email",
    )  # fmt: skip
    refused(
        bulkreg(stack, "user", "add", "--org", name, "--role", "admin", "--name", "N",
                "--email", "not-an-email"),
        "--email",
    )  # fmt: skip
    refused(
        bulkreg(stack, "user", "add", "--org", "No Such Org", "--role", "admin", "--name", "N",
                "--email", "a@b.org"),
        "no organization 'No Such Org'",
    )  # fmt: skip
    ok(bulkreg(stack, "activity-type", "add", "--org", name, "--code", "walk",
               "--name", "Walk and talk"))  # fmt: skip

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,email,member_number\nKari,kari@fjord.example.org,F-1\n"
        ",empty@fjord.example.org,F-2\nOla,not-an-email,F-3\nNora,nora@x.org,F-1\n"
    )
    done = bulkreg(stack, "roster", "import", str(bad), "--org", name)
    assert done.returncode == 1
    assert [int(n) for n in re.findall(r": line (\d+)", done.stderr)] == [3, 4, 5]
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Name;Email;Member_Number;Active\r\nKari Fjord;kari@fjord.example.org;F-1;yes\r\n"
        "Ola Fjord;ola@fjord.example.org;F-2;yes\r\nGone Fjord;gone@fjord.example.org;;no\r\n"
    )
    assert ok(bulkreg(stack, "roster", "import", str(roster), "--org", name)) == (
        "created 3, updated 0, unchanged 0"
    )
    assert ok(bulkreg(stack, "roster", "import", str(roster), "--org", name)) == (
        "created 0, updated 0, unchanged 3"
    )
    norsk = tmp_path / "liste.csv"
    norsk.write_bytes(
        "\ufeffNavn;E-post;Medlemsnummer;Aktiv\r\nKari Fjord;KARI@fjord.example.org;F-1;Ja\r\n"
        "Gone Fjord;gone@fjord.example.org;;nei\r\n".encode()
    )
    assert ok(bulkreg(stack, "roster", "import", str(norsk), "--org", name)) == (
        "created 0, updated 0, unchanged 2"
    )

    token = ok(bulkreg(stack, "token", "--email", email, "--org", name))
    with stack.client(token) as http:
        mentors = http.get("/v1/peer-mentors", params={"q": "fjord"}).json()["items"]
        assert [m["display_name"] for m in mentors] == ["Gone Fjord", "Kari Fjord", "Ola Fjord"]

    participants = tmp_path / "walk.csv"
    participants.write_text("email\nkari@fjord.example.org\nOLA@fjord.example.org\n")
    args = ["submit", str(participants), "--activity-type", "walk", "--date", days_ago(1),
            "--duration", "30"]  # fmt: skip
    done = bulkreg(stack, *args, env={"BULKREG_TOKEN": token})
    out = ok(done)
    assert "succeeded" in out and "2 participants: 2 registered" in out
    results = (tmp_path / "walk.results.csv").read_text()
    assert "Kari Fjord" in results and "Ola Fjord" in results
    again = bulkreg(stack, *args, env={"BULKREG_TOKEN": token})
    assert again.returncode == 3  # needs review
    review = re.search(r"Review it at (http://\S+/ui/jobs/[0-9a-f-]{36})", again.stdout)
    assert review, again.stdout
    no_token = bulkreg(stack, *args)
    assert "give --token or set BULKREG_TOKEN" in no_token.stderr

    ok(bulkreg(stack, "user", "deactivate", "--org", name, "--email", email))
    with stack.client(token) as http:
        assert http.get("/v1/me").status_code == 401


def test_a_sign_in_link_signs_a_coordinator_in_once(
    stack: Stack, first_org: dict[str, Any]
) -> None:
    boss = first_org["coordinators"][1]
    url = ok(bulkreg(stack, "sign-in-link", "--email", boss["email"], "--org", first_org["id"]))
    assert url.startswith(f"{stack.api}/ui/sign-in#")
    link = url.split("#", 1)[1]
    refused(
        bulkreg(stack, "sign-in-link", "--email", "nobody@example.org", "--org", first_org["id"]),
        "no user",
    )

    def sign_in(code: str) -> httpx.Response:
        with httpx.Client(base_url=stack.api) as browser:
            page = browser.get("/ui/sign-in")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf, page.text
            browser.cookies.set("bulkreg_login_csrf", page.cookies["bulkreg_login_csrf"])
            return browser.post("/ui/sign-in", data={"csrf": csrf.group(1), "link": code})

    first = sign_in(link)
    assert first.status_code == 303 and first.headers["location"] == "/ui/"
    assert "bulkreg_session" in first.headers["set-cookie"]
    second = sign_in(link)
    # Nobody is known on the sign-in pages and the browser named no language: bokmål.
    assert second.status_code == 401 and "brukt, utløpt eller ukjent" in second.text
    assert sign_in("made-up").status_code == 401


def test_every_command_and_option_says_what_it_is_for(stack: Stack) -> None:
    from bulkreg.cli.main import parser

    def walk(p: object) -> list[tuple[str, str | None]]:
        import argparse

        assert isinstance(p, argparse.ArgumentParser)
        found: list[tuple[str, str | None]] = []
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    found.append((f"{p.prog} {choice.dest}", choice.help))
                for sub in action.choices.values():
                    found += walk(sub)
            else:
                found.append(
                    (f"{p.prog} {'/'.join(action.option_strings) or action.dest}", action.help)
                )
        return found

    missing = [where for where, text in walk(parser()) if not text]
    assert missing == []
    assert "--auth-subject" in ok(bulkreg(stack, "user", "add", "--help"))
