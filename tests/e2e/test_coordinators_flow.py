"""The coordinator's flow, in a real browser and over HTTP: a decision keeps the reason it
was taken for (the poll, the results file); a review of four conflicts fits a phone with
what is being registered in view and nothing covering the focus; one registration from the
screen, its duplicate asking *Register anyway?*, in bokmål."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.support.browser import check_page, sign_in, token_of
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.keyboard import check_stop, focused, tab_to

PHONE_HEIGHT = 844  # the phone's window (tests/support/browser.PHONE): 390 x 844


def test_a_participant_a_decision_cancels_keeps_its_conflict(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """*Skip the 4 conflicts*: the four are cancelled, and the poll and the results file
    still say which record each would have duplicated, and who registered it."""
    pms, existing, job_id = prepare_review(coordinator, first_org, days_ago(241), start=0)
    r = coordinator.post(f"/v1/bulk-registrations/{job_id}/resolution", json={"default": "cancel"})
    assert r.status_code == 202, r.text
    job = wait_terminal(coordinator, job_id)
    assert job["status"] == "succeeded"
    cancelled = {i["peer_mentor_id"]: i for i in job["items"] if i["outcome"] == "cancelled"}
    assert set(cancelled) == set(pms[:4])
    assert {pm: i["conflict"]["activity_id"] for pm, i in cancelled.items()} == existing
    results = coordinator.get(f"/v1/bulk-registrations/{job_id}/results.csv")
    rows = list(csv.DictReader(io.StringIO(results.text, newline="")))
    me = coordinator.get("/v1/me").json()
    by_pm = {row["peer_mentor_id"]: row for row in rows}
    for pm in pms[:4]:
        row = by_pm[pm]
        assert (row["outcome"], row["conflict_activity_id"]) == ("cancelled", existing[pm])
        assert row["conflict_registered_by"] == me["id"]
        assert row["conflict_registered_by_name"] == me["display_name"]
    assert all(by_pm[pm]["conflict_registered_by_name"] == "" for pm in pms[4:])


def test_a_review_of_four_conflicts_fits_a_phone(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """A layout measure at 390 px: the review of four conflicts is at most about four
    windows high, each conflict less than one, what is being registered is said at its
    top, and Tab reaches every choice and *Apply* with nothing stuck over the focus."""
    pms, _, job_id = prepare_review(coordinator, first_org, days_ago(242), start=0)
    sign_in(phone, token_of(first_org))
    phone.goto(f"/ui/jobs/{job_id}")
    expect(phone.locator("#status")).to_have_text("needs review")
    summary = phone.locator("#review-summary")
    expect(summary).to_contain_text("60 min")
    cards = phone.locator("fieldset.conflict-item")
    expect(cards).to_have_count(4)
    heights = [box["height"] for box in (cards.nth(n).bounding_box() for n in range(4)) if box]
    assert len(heights) == 4 and max(heights) < PHONE_HEIGHT, heights
    review = phone.locator("#review").bounding_box()
    assert review is not None and review["height"] <= 4 * PHONE_HEIGHT, review
    page_height = phone.evaluate("document.documentElement.scrollHeight")
    assert page_height <= 4 * PHONE_HEIGHT + PHONE_HEIGHT // 2, page_height
    stops = tab_to(phone, "#apply-decisions")
    assert len({s.name for s in stops if s.name.startswith("decision:")}) == 4
    for pm in pms[:4]:  # each choice, focused, is in the window and clear of anything stuck
        phone.locator(f'input[name="decision:{pm}"][value="override"]').focus()
        check_stop(focused(phone))
    check_page(phone, "phone-review-compact")


def test_register_one_then_the_same_again_asks_register_anyway_in_bokmal(
    phone: Page, first_org: dict[str, Any]
) -> None:
    person = [p for p in first_org["peer_mentors"] if p["active"]][-1]
    day = days_ago(243)
    sign_in(phone, token_of(first_org), language="nb")
    phone.click("#register-link")
    expect(phone.locator("h1")).to_have_text("Registrer én aktivitet")
    check_page(phone, "register-nb")
    phone.click("#register-submit")  # nothing filled in: the browser's own checks stop it
    expect(phone.locator("h1")).to_have_text("Registrer én aktivitet")

    def fill_and_register() -> None:
        phone.fill("#q", person["email"])
        phone.click("#search")
        phone.check(f'input[name="person"][value="{person["id"]}"]')
        phone.select_option("#activity_type", "home_visit")
        phone.fill("#occurred_on", day)
        phone.fill("#duration_minutes", "35")
        phone.fill("#notes", "Tur i parken")
        phone.click("#register-submit")

    fill_and_register()
    expect(phone.locator("h1")).to_have_text("Registrert")
    what = phone.locator("#what-was-registered")
    expect(what).to_contain_text("35 min")
    expect(what).to_contain_text("Tur i parken")
    check_page(phone, "registered-nb")
    phone.click("#register-another")
    expect(phone.locator("h1")).to_have_text("Registrer én aktivitet")
    fill_and_register()
    duplicate = phone.locator("#duplicate")
    expect(duplicate.locator("h2")).to_have_text("Registrere likevel?")
    expect(duplicate).to_contain_text("Tur i parken")
    expect(duplicate).to_contain_text("35 min")
    expect(duplicate).to_be_focused()
    check_page(phone, "register-anyway-nb")
    phone.click("#register-anyway")
    expect(phone.locator("h1")).to_have_text("Registrert")
    expect(phone.locator("#registered-anyway")).to_be_visible()


def test_register_one_by_keyboard_alone(phone: Page, first_org: dict[str, Any]) -> None:
    person = [p for p in first_org["peer_mentors"] if p["active"]][-2]
    sign_in(phone, token_of(first_org))
    phone.goto("/ui/register")
    tab_to(phone, "#q")
    phone.keyboard.type(person["email"])
    phone.keyboard.press("Enter")  # the search: the form's first submit button is *Search*
    expect(phone.locator(f'input[name="person"][value="{person["id"]}"]')).to_be_visible()
    tab_to(phone, f'input[name="person"][value="{person["id"]}"]')
    phone.keyboard.press("Space")
    tab_to(phone, "#activity_type")
    phone.keyboard.type("Home")
    expect(phone.locator("#activity_type")).to_have_value("home_visit")
    phone.locator("#occurred_on").fill(days_ago(244))
    tab_to(phone, "#duration_minutes")
    phone.keyboard.type("25")
    tab_to(phone, "#register-submit")
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Registered")


def test_a_file_job_names_participants_by_line_and_keeps_the_skipped_ones_reason(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """Participants named by email (a file's): the review says *linje 4* for the third, as
    the results file numbers it; skipped, the job page still says what it would duplicate."""
    day = days_ago(245)
    people = [p for p in first_org["peer_mentors"] if p["active"]][-6:-3]
    activity = {"activity_type": "phone_call", "occurred_on": day, "duration_minutes": 15}
    first = coordinator.post(
        "/v1/proxy-registrations", json={"peer_mentor_id": people[2]["id"], "activity": activity}
    )
    assert first.status_code == 201, first.text
    body = {"activity": activity, "participants": [{"email": p["email"]} for p in people]}
    job_id = coordinator.post("/v1/bulk-registrations", json=body).json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "needs_review"
    sign_in(phone, token_of(first_org), language="nb")
    phone.goto(f"/ui/jobs/{job_id}")
    card = phone.locator("fieldset.conflict-item")
    expect(card).to_contain_text("linje 4")
    expect(card).not_to_contain_text("deltaker")
    phone.locator("#skip-all button").click()
    expect(phone.locator("#status")).to_have_text("fullført", timeout=30_000)
    row = phone.locator(f'#items tr[data-peer-mentor="{people[2]["id"]}"]')
    expect(row.locator("td").first).to_have_text("4")
    expect(row).to_contain_text("Allerede registrert")


def test_a_refused_registration_lists_its_problems_and_keeps_the_form(
    phone: Page, first_org: dict[str, Any]
) -> None:
    person = [p for p in first_org["peer_mentors"] if p["active"]][-7]
    sign_in(phone, token_of(first_org))
    phone.goto("/ui/register")
    phone.fill("#q", person["email"])
    phone.click("#search")
    phone.select_option("#activity_type", "home_visit")
    phone.fill("#occurred_on", days_ago(4000))  # further back than a registration may be
    phone.fill("#duration_minutes", "30")
    phone.click("#register-submit")  # and nobody picked
    problems = phone.locator("#problems")
    expect(problems).to_be_focused()
    expect(problems.locator("li")).to_have_count(1)
    expect(problems.locator('a[href="#person"]')).to_be_visible()
    expect(phone.locator("#duration_minutes")).to_have_value("30")
    check_page(phone, "register-refused-nobody")
    phone.check(f'input[name="person"][value="{person["id"]}"]')
    phone.click("#register-submit")  # the date is still too far back
    expect(problems.locator('a[href="#occurred_on"]')).to_be_visible()
    expect(phone.locator("#occurred_on")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator(f'input[name="person"][value="{person["id"]}"]')).to_be_checked()
    check_page(phone, "register-refused-date")
