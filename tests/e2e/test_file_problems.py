"""Every problem of a file in one answer, in plain words, at the line a spreadsheet shows: the
API's 422, the new job's page (in bokmål, on a phone) and ``bulkreg roster import``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import check_page, csv_file, launched, opened, sign_in
from tests.support.http import days_ago
from tests.support.keyboard import tab_to
from tests.support.stack import BULKREG, Stack

VALIDATOR_WORDS = ("should", "pattern", "Input", "Value error")


def a_file_with_four_problems(first_org: dict[str, Any]) -> bytes:
    """A split line, a bad email, a key given twice and a yes/no that is neither."""
    kari, ola, per = [p["email"] for p in first_org["peer_mentors"] if p["active"]][:3]
    return (
        "email,override_duplicate\n"
        f"{kari},no\n"
        f"Nordmann, Ola,{ola},no\n"  # line 3: an unquoted comma splits it
        "not-an-email,no\n"  # line 4
        f"{kari.upper()},yes\n"  # line 5: line 2 again
        f"{per},maybe\n"  # line 6
    ).encode()


def newest_job(client: httpx.Client) -> str | None:
    items = client.get("/v1/bulk-registrations", params={"limit": 1}).json()["items"]
    return items[0]["job_id"] if items else None


def submitted(coordinator: httpx.Client, data: bytes) -> httpx.Response:
    return coordinator.post(
        "/v1/bulk-registrations",
        data={
            "activity_type": "home_visit",
            "occurred_on": days_ago(121),
            "duration_minutes": "30",
        },
        files={"participants": ("people.csv", data, "text/csv")},
    )


def test_every_problem_of_an_uploaded_file_is_in_one_422(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    before = newest_job(coordinator)
    refused = submitted(coordinator, a_file_with_four_problems(first_org))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "validation_error"
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "participants", "line", 3], "csv"),
        (["body", "participants", "line", 4, "email"], "string_pattern_mismatch"),
        (["body", "participants", "line", 5, "email"], "duplicate"),
        (["body", "participants", "line", 6, "override_duplicate"], "csv"),
    ]
    said = [e["msg"] for e in problem["errors"]]
    assert said[0].startswith("This line has 4 values, but the header has 2 columns.")
    assert said[1] == "This is not an email address: write it as name@example.org."
    assert said[2] == "This is the same person as on line 2: name each person once."
    assert said[3] == "Write yes or no here (or ja/nei, true/false, 1/0), not 'maybe'."
    assert not any(w in text for w in VALIDATOR_WORDS for text in said)
    assert newest_job(coordinator) == before  # nothing refused was written


def test_a_bad_field_and_a_bad_file_come_in_the_same_answer(coordinator: httpx.Client) -> None:
    refused = coordinator.post(
        "/v1/bulk-registrations",
        data={
            "activity_type": "home_visit",
            "occurred_on": "20.11.2026",
            "duration_minutes": "45.0",
        },
        files={"participants": ("people.csv", b"email\nnot-an-email\n", "text/csv")},
    )
    assert refused.status_code == 422, refused.text
    assert [(e["loc"], e["msg"]) for e in refused.json()["errors"]] == [
        (
            ["body", "duration_minutes"],
            "Write the duration as whole minutes from 1 to 1440, like 45.",
        ),
        (["body", "occurred_on"], "Write a date as year-month-day, like 2026-11-20."),
        (
            ["body", "participants", "line", 2, "email"],
            "This is not an email address: write it as name@example.org.",
        ),
    ]


def test_a_windows_1252_file_is_refused_at_the_line_of_its_bad_byte(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    email = next(p["email"] for p in first_org["peer_mentors"] if p["active"])
    data = f"navn;e-post\nKari;{email}\nKåre;{email.replace('@', '2@')}\n".encode("cp1252")
    refused = submitted(coordinator, data)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["loc"] == ["body", "participants", "line", 3]
    assert "Save the file as CSV UTF-8 (in Excel: File" in error["msg"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


@pytest.fixture
def phone(browser: Browser, stack: Stack) -> Iterator[Page]:
    with opened(browser, stack.api, phone=True, locale="nb-NO") as p:
        yield p


def test_the_new_job_page_lists_every_problem_of_a_file_in_bokmal(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    before = newest_job(coordinator)
    sign_in(phone, first_org["coordinators"][1]["token"], "nb")  # not the English tests' user
    phone.goto("/ui/new")
    # On a phone the upload comes before the roster, by eye and by Tab.
    upload, roster = phone.locator("#csv").bounding_box(), phone.locator("#roster").bounding_box()
    assert upload and roster and upload["y"] < roster["y"]
    phone.locator("#notes").focus()
    stops = tab_to(phone, "#csv")
    assert not any(s.id == "q" or s.id.startswith("select-all") for s in stops), stops
    phone.select_option("#activity_type", value="home_visit")
    phone.fill("#occurred_on", days_ago(122))
    phone.fill("#duration_minutes", "30")
    phone.set_input_files("#csv", files=csv_file(a_file_with_four_problems(first_org)))
    phone.click("#submit-job")
    problems = phone.locator("#problems")
    expect(problems).to_be_focused()
    items = problems.locator("li")
    expect(items).to_have_count(4)
    expect(items.nth(0)).to_contain_text(
        "CSV-linje 3: Denne linjen har 4 verdier, men overskriftslinjen har 2 kolonner."
    )
    expect(items.nth(1)).to_have_text(
        "CSV-linje 4, kolonne email: Dette er ikke en e-postadresse: skriv den som "
        "navn@example.org."
    )
    expect(items.nth(2)).to_have_text(
        "CSV-linje 5, kolonne email: Dette er samme person som på linje 2: oppgi hver person "
        "bare én gang."
    )
    expect(items.nth(3)).to_have_text(
        "CSV-linje 6, kolonne override_duplicate: Skriv ja eller nei her (eller yes/no, "
        "true/false, 1/0), ikke «maybe»."
    )
    expect(problems.locator('[lang="en"]')).to_have_count(0)
    expect(phone.locator("#csv-again")).to_contain_text("Velg filen på nytt")
    expect(phone.locator("#duration_minutes")).to_have_value("30")  # the rest is kept
    expect(phone.locator("#csv")).to_have_attribute("aria-invalid", "true")
    check_page(phone, "new-file-problems-nb-phone")

    latin = "email\nkåre@example.org\n".encode("cp1252")
    phone.set_input_files("#csv", files=csv_file(latin))
    phone.click("#submit-job")
    expect(phone.locator("#problems li")).to_have_text(
        "CSV-linje 2: Denne linjen har et tegn som ikke er UTF-8 (byte 0xE5, kanskje «å» fra en "
        "annen tegnkoding). Lagre filen som CSV UTF-8 (i Excel: Fil › Lagre som › CSV UTF-8)."  # noqa: RUF001
    )
    check_page(phone, "new-file-encoding-nb-phone")
    assert newest_job(coordinator) == before  # nothing queued


def roster_import(stack: Stack, path: Path, org: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BULKREG.resolve()), "roster", "import", str(path), "--org", org],
        capture_output=True,
        text=True,
        env=stack.env | {"NO_COLOR": "1"},
        timeout=120,
    )


def test_roster_import_reports_every_problem_of_its_file_at_once(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any], coordinator: httpx.Client
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,member_number,active\n"
        "Kari Fil,kari.fil@example.org,FIL-1,yes\n"
        "Fil, Ola,ola.fil@example.org,FIL-2,yes\n"  # line 3: split
        ",tom.fil@example.org,FIL-3,\n"  # line 4: no name
        "Per Fil,not-an-email,FIL-4,maybe\n"  # line 5: bad email, bad yes/no
        "Pål Fil,KARI.FIL@example.org,FIL-5,\n"  # line 6: line 2's email
    )
    done = roster_import(stack, roster, first_org["id"])
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert lines == [
        f"bulkreg: {roster}: line 3: This line has 5 values, but the header has 4 columns. "
        'A value with a comma in it must be in double quotes, like "Nordmann, Kari".',
        f"bulkreg: {roster}: line 4, name: The name is empty: write the person's name.",
        f"bulkreg: {roster}: line 5, active: Write yes or no here (or ja/nei, true/false, "
        "1/0), not 'maybe'.",
        f"bulkreg: {roster}: line 5, email: This is not an email address: write it as "
        "name@example.org.",
        f"bulkreg: {roster}: line 6, email: This is the same as on line 2: give each person once.",
    ]
    found = coordinator.get("/v1/peer-mentors", params={"q": "fil.example"}).json()["items"]
    assert found == []  # all lines or none


def bulkreg(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BULKREG.resolve()), *args],
        capture_output=True,
        text=True,
        env=stack.env | {"NO_COLOR": "1"},
        timeout=120,
    )


def test_onboarding_refuses_a_bad_code_or_email_in_plain_words(
    stack: Stack, first_org: dict[str, Any]
) -> None:
    org = first_org["id"]
    spaced = bulkreg(stack, "activity-type", "add", "--org", org, "--code", "home visit",
                     "--name", "Home visit")  # fmt: skip
    assert spaced.returncode == 1
    assert spaced.stderr.strip() == (
        "bulkreg: --code 'home visit': A code may hold only lowercase letters (a to z), digits, "
        "_ and -, like home_visit: no spaces or other characters."
    )
    email = bulkreg(stack, "user", "add", "--org", org, "--role", "coordinator",
                    "--name", " ", "--email", "not-an-email")  # fmt: skip
    assert email.returncode == 1
    assert email.stderr.splitlines() == [
        "bulkreg: --name: This must not be empty: fill it in.",
        "bulkreg: --email 'not-an-email': This is not an email address: write it as "
        "name@example.org.",
    ]
