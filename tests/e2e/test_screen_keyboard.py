"""The screen with the keyboard alone, at a phone's 390 px, in a real browser: what no tool
checks (docs/api.md §12). A skip link comes first on every page; signing in, the review, a new
job, cancelling and resolving an anomaly are done with Tab, the arrows, Space and Enter; at
every Tab stop the focus is in the window, has a visible focus style and nothing stuck to the
window covers it (``tests/support/keyboard.py``); errors take the focus and name their field;
every control is a 24x24 px target or has room around it."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.support.browser import shot, sign_in, token_of
from tests.support.db import wait_for
from tests.support.http import bulk_body as body
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.keyboard import check_stop, focused, small_targets, tab, tab_to
from tests.support.stack import Stack, plant_orphan

_AFTER_MAIN = """(() => {
  const main = document.getElementById("main"), el = document.activeElement;
  return main.contains(el) || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
})()"""


def _skip_link_leads_to_main(page: Page, name: str) -> None:
    """The first Tab stop is the skip link, shown; Enter moves the focus to the main content,
    and the next Tab stays in it. Every control is a target of 24x24 px or has room."""
    first = tab(page)
    assert first.id == "skip-link", f"{name}: first Tab stop {first}"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    after = tab(page)  # the main content's first control, or the footer's when it has none
    assert page.evaluate(_AFTER_MAIN), f"{name}: {after} is before the main content"
    assert small_targets(page) == [], name


def test_a_skip_link_first_on_every_page_and_targets_of_24_px(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    _, _, review = prepare_review(coordinator, first_org, days_ago(211), start=0)
    for path in ("/ui/login", "/ui/sign-in", "/ui/accessibility"):
        phone.goto(path)
        _skip_link_leads_to_main(phone, path)
    sign_in(phone, token_of(first_org))
    signed_in = [
        "/ui/",
        "/ui/new",
        "/ui/register",
        f"/ui/jobs/{review}",
        "/ui/anomalies",
        "/ui/accessibility",
    ]
    for path in (*signed_in, "/ui/settings"):
        phone.goto(path)
        _skip_link_leads_to_main(phone, path)


def test_sign_in_with_the_keyboard_and_the_error_takes_the_focus(
    phone: Page, first_org: dict[str, Any]
) -> None:
    phone.goto("/ui/login?lang=en")
    tab_to(phone, "#token")
    phone.keyboard.type("not a token")
    assert tab(phone).id == "sign-in"
    phone.keyboard.press("Enter")
    token = phone.locator("#token")
    expect(token).to_be_focused()  # the field in error has the focus, and says why
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(token).to_have_attribute("aria-describedby", "token-error")
    expect(phone.locator("#token-error")).to_contain_text("not valid")
    phone.keyboard.type(token_of(first_org))
    tab(phone)
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Bulk registrations")


def test_email_me_a_sign_in_link_with_the_keyboard(phone: Page) -> None:
    phone.goto("/ui/login?lang=en")
    tab_to(phone, "#email")
    phone.keyboard.type("nobody.by.keyboard@example.org")
    assert tab(phone).id == "email-link"
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Check your email")
    tab_to(phone, "#back-to-sign-in")
    phone.keyboard.press("Enter")
    expect(phone.locator("#email")).to_be_visible()


def test_review_by_keyboard_alone_nothing_covers_the_focus(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """The four conflicts' choices, then *Apply my decisions*: at every stop on the way the
    focused control is clear of anything stuck to the window (WCAG 2.4.11)."""
    pms, _, job_id = prepare_review(coordinator, first_org, days_ago(212), start=0)
    sign_in(phone, token_of(first_org))
    phone.goto(f"/ui/jobs/{job_id}")
    expect(phone.locator("#status")).to_have_text("needs review")
    stops = tab_to(phone, f'input[name="decision:{pms[0]}"]')
    assert stops[-1].value == "cancel"  # a group of radios is one stop: the checked one
    phone.keyboard.press("ArrowUp")  # the arrows choose within the group
    chosen = check_stop(focused(phone))
    assert chosen.value == "override"
    expect(phone.locator(f'input[name="decision:{pms[0]}"][value="override"]')).to_be_checked()
    stops += tab_to(phone, "#apply-decisions")
    assert len({s.name for s in stops if s.name.startswith("decision:")}) == 4
    shot(phone, "phone-keyboard-review")
    phone.keyboard.press("Enter")
    expect(phone.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(phone.locator("#counts")).to_contain_text("11 registered, 1 overridden, 3 cancelled")


def test_a_new_job_by_keyboard_alone(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    day = days_ago(213)
    sign_in(phone, token_of(first_org))
    phone.goto("/ui/new")
    tab_to(phone, "#activity_type")
    phone.keyboard.type("Home")  # a closed list picks the option its first letters name
    expect(phone.locator("#activity_type")).to_have_value("home_visit")
    assert tab(phone).id == "occurred_on"
    phone.keyboard.type(date.fromisoformat(day).strftime("%m%d%Y"))  # en-US: month, day, year
    expect(phone.locator("#occurred_on")).to_have_value(day)
    tab_to(phone, "#duration_minutes")
    phone.keyboard.type("45")
    person = phone.locator("#roster input").nth(3).get_attribute("value")
    tab_to(phone, f'#roster input[value="{person}"]')
    phone.keyboard.press("Space")
    expect(phone.locator("#picked-count")).to_have_text("1")
    tab_to(phone, "#submit-job")
    phone.keyboard.press("Enter")
    expect(phone.locator("#status")).to_have_text("succeeded", timeout=30_000)
    job = wait_terminal(coordinator, phone.url.rsplit("/", 1)[1])
    assert job["activity"]["duration_minutes"] == 45 and job["activity"]["occurred_on"] == day


def test_cancel_by_keyboard_alone(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    _, _, job_id = prepare_review(coordinator, first_org, days_ago(214), start=0)
    sign_in(phone, token_of(first_org))
    phone.goto(f"/ui/jobs/{job_id}")
    tab_to(phone, "#cancel-job")
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Cancel this bulk registration?")
    tab_to(phone, "#confirm-cancel")
    phone.keyboard.press("Enter")
    expect(phone.locator("#status")).to_have_text("cancelled")


def test_resolve_an_anomaly_by_keyboard_alone(
    phone: Page, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body([inactive], days_ago(215), "fail")
    ).json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "failed"
    victim = [p for p in first_org["peer_mentors"] if p["active"]][27]
    plant_orphan(stack, first_org, job_id, victim["id"], days_ago(215))
    found = wait_for(
        lambda: coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["anomalies"],
        timeout=90,
    )
    anomaly = found[0]["id"]
    sign_in(phone, token_of(first_org))
    phone.goto("/ui/anomalies")
    tab_to(phone, f"#reason-{anomaly}")
    phone.keyboard.type("written by a failed job (keyboard test)")
    tab_to(phone, f'[data-anomaly="{anomaly}"] button[value="dismiss"]')
    phone.keyboard.press("Enter")
    card = phone.locator(f'[data-anomaly="{anomaly}"]')
    expect(card.locator(".resolution")).to_contain_text("dismissed, the records kept")
