"""The coordinator's status screen in a real headless Chromium, against the running stack.
Screenshots of each page are kept under test-artifacts/screenshots/."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.http import bulk_body as body
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack, plant_orphan

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "make test installs Debian's chromium package"
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(base_url=stack.api, viewport={"width": 1100, "height": 900})
    p = context.new_page()
    yield p
    context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, token: str) -> None:
    page.goto("/ui/login")
    page.fill("#token", token)
    page.click("#sign-in")


def test_sign_in_watch_a_job_finish_and_sign_out(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    page.goto("/ui/")
    expect(page).to_have_url(f"{page.context.pages[0].url.split('/ui')[0]}/ui/login")
    shot(page, "01-sign-in")
    sign_in(page, first_org["coordinators"][0]["token"])
    expect(page.locator("h1")).to_have_text("Bulk registrations")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bulkreg_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 3, start=5), days_ago(50))
    ).json()["job_id"]
    page.goto(f"/ui/jobs/{job_id}")
    expect(page.locator("#status")).to_have_text(
        "succeeded", timeout=30_000
    )  # the page refreshes itself
    expect(page.locator("#counts")).to_contain_text("3 registered")
    shot(page, "02-job-succeeded")
    page.goto("/ui/")
    expect(page.locator("#jobs")).to_contain_text(days_ago(50))
    shot(page, "03-job-list")

    page.click("#sign-out")
    expect(page).to_have_url(f"{page.url.split('/ui')[0]}/ui/login")
    page.goto("/ui/")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_resolve_a_review_with_mixed_decisions_by_clicking(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pms, existing, job_id = prepare_review(coordinator, first_org, days_ago(51), start=0)
    sign_in(page, first_org["coordinators"][0]["token"])
    page.goto(f"/ui/jobs/{job_id}")
    expect(page.locator("#status")).to_have_text("needs review")
    expect(page.locator("#items")).to_contain_text(existing[pms[0]])  # the existing record's id
    shot(page, "04-needs-review")
    for pm in pms[:2]:
        page.check(f'input[name="decision:{pm}"][value="override"]')
    for pm in pms[2:4]:
        page.check(f'input[name="decision:{pm}"][value="cancel"]')
    page.click("#apply-decisions")
    expect(page.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(page.locator("#counts")).to_contain_text("11 registered, 2 overridden, 2 cancelled")
    shot(page, "05-resolved")
    job = wait_terminal(coordinator, job_id)
    assert {i["peer_mentor_id"] for i in job["items"] if i["outcome"] == "overridden"} == set(
        pms[:2]
    )


def test_skip_all_conflicts_on_a_phone_sized_screen(
    browser: Browser, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    _, _, job_id = prepare_review(coordinator, first_org, days_ago(52), start=0)
    context = browser.new_context(
        base_url=stack.api, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    try:
        sign_in(page, first_org["coordinators"][0]["token"])
        page.goto(f"/ui/jobs/{job_id}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 380  # no sideways scrolling
        shot(page, "06-phone-review")
        page.click("#skip-all button")
        expect(page.locator("#status")).to_have_text("succeeded", timeout=30_000)
        expect(page.locator("#counts")).to_contain_text("11 registered, 4 cancelled")
        shot(page, "07-phone-done")
    finally:
        context.close()


def test_see_and_resolve_an_anomaly(
    page: Page, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body([inactive], days_ago(53), "fail")
    ).json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "failed"
    orphan = plant_orphan(
        stack, first_org, job_id, mentors(first_org, 1, start=29)[0], days_ago(53)
    )
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline
        and not coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["anomalies"]
    ):
        time.sleep(0.5)
    sign_in(page, first_org["coordinators"][0]["token"])
    page.goto(f"/ui/jobs/{job_id}")
    card = page.locator(".anomaly")
    expect(card).to_contain_text("orphaned records")
    expect(card).to_contain_text(str(orphan))
    shot(page, "08-anomaly")
    card.locator('input[name="reason"]').fill("written by a failed job (test)")
    card.locator('button[value="delete_records"]').click()
    expect(page.locator(".anomaly")).to_contain_text("resolved (delete_records)")
    shot(page, "09-anomaly-resolved")
    anomaly = coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["anomalies"][0]
    assert anomaly["resolved_at"] is not None


def test_same_authorization_as_the_api(
    page: Page, demo: dict[str, Any], coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    mentor = next(p for p in first_org["peer_mentors"] if p["active"])
    sign_in(page, mentor["token"])
    expect(page.locator("[role=alert]")).to_contain_text("coordinators and admins")
    assert not [c for c in page.context.cookies() if c["name"] == "bulkreg_session"]

    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 1, start=6), days_ago(54))
    ).json()["job_id"]
    sign_in(page, demo["organizations"][1]["coordinators"][0]["token"])
    response = page.goto(f"/ui/jobs/{job_id}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    shot(page, "10-other-organization")

    forged = page.request.post(f"/ui/jobs/{job_id}/cancel", form={"csrf": "forged"})
    assert forged.status == 403
    assert coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["status"] != "cancelled"
