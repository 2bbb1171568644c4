"""Undo and *Register again* on the coordinator's screen, in a real headless Chromium against
the running stack: a job undone by keyboard alone, its errors in both languages, and a job's
people registered again from a filled-in form. Each test registers on days of its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.browser import check_page, launched, opened, sign_in
from tests.support.http import activities_on, days_ago, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack

SETTLE = 30_000  # ms: a job queued by the screen is processed by the stack's workers


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


def _succeeded(
    coordinator: httpx.Client, pms: list[str], day: str, on_conflict: str = "review"
) -> dict[str, Any]:
    submitted = coordinator.post(
        "/v1/bulk-registrations",
        json={
            "activity": {"activity_type": "home_visit", "occurred_on": day,
                         "duration_minutes": 45, "notes": "at the café"},
            "participants": [{"peer_mentor_id": pm} for pm in pms],
            "on_conflict": on_conflict,
        },
    )  # fmt: skip
    assert submitted.status_code == 202, submitted.text
    job = wait_terminal(coordinator, submitted.json()["job_id"])
    assert job["status"] == "succeeded", job
    return job


def _tab_to(page: Page, target: Locator) -> None:
    """Tab, as a keyboard user would, until ``target`` has the focus (at most 60 stops)."""
    for _ in range(60):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the control")


def test_undo_a_job_by_keyboard_alone_with_its_reason(
    browser: Browser, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """Three registered, one of them deleted since: the undo removes the other two. An empty
    (blank) reason is refused on the page; then the job is undone, with who, when and why."""
    coordinator_name = first_org["coordinators"][0]["name"]
    job = _succeeded(coordinator, mentors(first_org, 3, start=10), days_ago(191))
    job_id = job["job_id"]
    first = activities_on(coordinator, job_id)[0]["id"]
    deleted = coordinator.request("DELETE", f"/v1/activities/{first}", json={"reason": "ill"})
    assert deleted.status_code == 204, deleted.text
    with opened(browser, stack.api) as page:
        sign_in(page, first_org["coordinators"][0]["token"])
        page.goto(f"/ui/jobs/{job_id}")
        expect(page.locator("#status")).to_have_text("succeeded")
        _tab_to(page, page.locator("#undo-job"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Undo this bulk registration?")
        expect(page.locator("#will-remove")).to_contain_text("This removes 2 registrations.")
        check_page(page, "undo-confirm-en")

        reason, confirm = page.locator("#reason"), page.locator("#confirm-undo")
        _tab_to(page, reason)
        page.keyboard.type("   ")  # passes the browser's "required", not the server
        _tab_to(page, confirm)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#problems")).to_contain_text(
            "Not undone. Reason: This must not be empty: fill it in."
        )
        expect(reason).to_have_attribute("aria-invalid", "true")
        expect(reason).to_have_attribute("aria-describedby", "reason-problem")
        expect(reason).to_be_focused()  # the field in error takes the focus
        expect(page.locator("#reason-problem")).to_have_text("This must not be empty: fill it in.")
        check_page(page, "undo-problem-en")
        assert coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["status"] == ("succeeded")

        _tab_to(page, reason)
        page.keyboard.type("The wrong date")
        _tab_to(page, confirm)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page).to_have_url(f"{stack.api}/ui/jobs/{job_id}")
        expect(page.locator("#status")).to_have_text("undone")
        expect(page.locator("#undone")).to_contain_text(f"by {coordinator_name}.")
        expect(page.locator("#undo-reason")).to_have_text("Why: “The wrong date”")
        expect(page.locator("#undo-job")).to_have_count(0)  # undone once only
        check_page(page, "job-undone-en")
        assert activities_on(coordinator, job_id) == []  # no live record left

        page.goto("/ui/?status=undone")
        expect(page.locator(f'#jobs tr[data-job="{job_id}"]')).to_contain_text("undone")


def test_undo_in_bokmal_refused_once_the_job_is_undone_elsewhere(
    browser: Browser, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    job_id = _succeeded(coordinator, mentors(first_org, 2, start=13), days_ago(192))["job_id"]
    with opened(browser, stack.api, phone=True, locale="nb-NO") as page:  # fits 390 px
        sign_in(page, first_org["coordinators"][0]["token"], "nb")
        page.goto(f"/ui/jobs/{job_id}")
        expect(page.locator("#undo-job")).to_have_text("Angre denne registreringen …")
        check_page(page, "job-undoable-nb")
        page.click("#undo-job")
        expect(page.locator("h1")).to_have_text("Angre denne masseregistreringen?")
        expect(page.locator("#will-remove")).to_contain_text("Dette fjerner 2 registreringer.")
        check_page(page, "undo-confirm-nb")
        page.fill("#reason", " ")
        page.click("#confirm-undo")
        expect(page.locator("#problems")).to_contain_text(
            "Ikke angret. Begrunnelse: Dette kan ikke være tomt: fyll det ut."
        )
        check_page(page, "undo-problem-nb")

        undone = coordinator.post(f"/v1/bulk-registrations/{job_id}/undo", json={"reason": "x"})
        assert undone.status_code == 200, undone.text  # meanwhile, by someone else
        page.fill("#reason", "Feil dato")
        with page.expect_response(f"{stack.api}/ui/jobs/{job_id}/undo") as answer:
            page.click("#confirm-undo")
        assert answer.value.status == 409
        expect(page.locator("#problems")).to_contain_text("Denne kan ikke angres nå.")
        expect(page.locator("#reason")).to_have_count(0)
        check_page(page, "undo-refused-nb")
        page.click("#back-to-job")
        expect(page.locator("#status")).to_have_text("angret")
        expect(page.locator("#undo-reason")).to_have_text("Hvorfor: «x»")
        check_page(page, "job-undone-nb")
        page.click("#register-again")
        expect(page.locator("#again")).to_contain_text("Velg dato og send inn.")
        expect(page.locator("#picked-count")).to_have_text("2")  # an undone job went through
        check_page(page, "new-again-nb")


def test_register_again_opens_the_form_filled_in_and_registers_the_same_people(
    browser: Browser, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """Of three, one already had the activity and was skipped: the two registered are the
    ones to register again, on a date the coordinator picks."""
    pms = mentors(first_org, 3, start=15)
    had = coordinator.post(
        "/v1/proxy-registrations",
        json={"peer_mentor_id": pms[0], "activity": {"activity_type": "home_visit",
              "occurred_on": days_ago(193), "duration_minutes": 20}},
    )  # fmt: skip
    assert had.status_code == 201, had.text
    job_id = _succeeded(coordinator, pms, days_ago(193), "skip")["job_id"]
    with opened(browser, stack.api) as page:
        sign_in(page, first_org["coordinators"][0]["token"])
        page.goto(f"/ui/jobs/{job_id}")
        page.click("#register-again")
        expect(page).to_have_url(f"{stack.api}/ui/new?again={job_id}")
        expect(page.locator("#activity_type")).to_have_value("home_visit")
        expect(page.locator("#duration_minutes")).to_have_value("45")
        expect(page.locator("#notes")).to_have_value("at the café")
        expect(page.locator("#occurred_on")).to_have_value("")
        expect(page.locator("#occurred_on")).to_be_focused()
        chosen = page.locator('#chosen input[name="participant"]:checked')
        expect(chosen).to_have_count(2)
        assert sorted(chosen.evaluate_all("boxes => boxes.map((b) => b.value)")) == sorted(pms[1:])
        check_page(page, "new-again-en")

        page.fill("#occurred_on", days_ago(194))
        page.click("#submit-job")
        expect(page.locator("#status")).to_have_text("succeeded", timeout=SETTLE)
        again = page.url.rsplit("/", 1)[1]
    assert again != job_id
    job = coordinator.get(f"/v1/bulk-registrations/{again}").json()
    assert job["activity"]["occurred_on"] == days_ago(194)
    assert job["activity"]["notes"] == "at the café" and job["activity"]["duration_minutes"] == 45
    live = activities_on(coordinator, again)
    assert sorted(a["peer_mentor_id"] for a in live) == sorted(pms[1:])
