"""Every page of the screen at a desktop's and a phone's size: no sideways scrolling, every
control labelled, and axe-core finds no serious or critical violation. ``/docs`` works with
the network cut off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.browser import check_page, launched, opened, sign_in
from tests.support.http import bulk_body as body
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


@pytest.fixture(scope="module")
def jobs(coordinator: httpx.Client, first_org: dict[str, Any]) -> dict[str, str]:
    _, _, review = prepare_review(coordinator, first_org, days_ago(70), start=0)
    done = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 3, start=20), days_ago(71))
    ).json()["job_id"]
    assert wait_terminal(coordinator, done)["status"] == "succeeded"
    return {"review": review, "done": done}


def _pages(page: Page, jobs: dict[str, str]) -> Iterator[str]:
    """Visit each page in turn; yields the name of the page it is on."""
    yield "jobs"
    page.goto("/ui/new")
    yield "new"
    page.fill("#q", "no such person anywhere")
    page.click("#search")
    yield "new-no-match"
    page.click("#submit-job")  # nothing filled in: the browser's own checks stop it
    page.goto(f"/ui/jobs/{jobs['review']}")
    yield "job-review"
    page.click("#cancel-job")
    yield "cancel-confirm"
    page.goto(f"/ui/jobs/{jobs['done']}")
    yield "job-done"
    page.goto("/ui/anomalies")
    yield "anomalies"
    page.goto("/ui/jobs/00000000-0000-0000-0000-000000000000")
    yield "not-found"


@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_every_page_fits_and_passes_axe(
    browser: Browser,
    stack: Stack,
    first_org: dict[str, Any],
    jobs: dict[str, str],
    phone: bool,
    language: str,
) -> None:
    """In both languages: the browser asks for the language, and the user picks it."""
    size = f"{'phone' if phone else 'desktop'}-{language}"
    wish = {"en": "en-US", "nb": "nb-NO"}[language]
    with opened(browser, stack.api, phone=phone, locale=wish) as page:
        page.goto("/ui/login")
        expect(page.locator("html")).to_have_attribute("lang", language)
        check_page(page, f"{size}-sign-in")
        page.goto("/ui/sign-in")
        check_page(page, f"{size}-sign-in-link")
        sign_in(page, first_org["coordinators"][0]["token"], language)
        visited = []
        for name in _pages(page, jobs):
            expect(page.locator("html")).to_have_attribute("lang", language)
            check_page(page, f"{size}-{name}")
            visited.append(name)
        assert len(visited) == 8


def test_docs_work_with_the_network_cut_off(browser: Browser, stack: Stack) -> None:
    api_host = urlsplit(stack.api).netloc
    outside: list[str] = []

    def only_the_api(route: Route) -> None:
        if urlsplit(route.request.url).netloc == api_host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with opened(browser, stack.api) as page:
        page.route("**/*", only_the_api)
        page.goto("/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("bulkreg")
        expect(page.locator(".opblock-tag-section").first).to_be_visible()
        assert outside == []
