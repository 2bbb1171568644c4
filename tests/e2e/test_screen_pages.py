"""Every page of the screen, in every state the running stack can be brought to, at a desktop's
and a phone's size and in both languages: no sideways scrolling, and axe-core finds no
violation of WCAG 2.2 AA or best practice (``check_page``); every page has its own title.
``/docs`` works with the network cut off. A queued or running job changes too quickly to
catch here: ``test_screen_states.py`` checks those as rendered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.browser import check_page, csv_file, launched, opened, sign_in
from tests.support.http import bulk_body as body
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack, run_cli


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
    _, _, cancelled = prepare_review(coordinator, first_org, days_ago(72), start=0)
    assert coordinator.post(f"/v1/bulk-registrations/{cancelled}/cancel").status_code == 200
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    failed = coordinator.post(
        "/v1/bulk-registrations", json=body([inactive], days_ago(73), "fail")
    ).json()["job_id"]
    assert wait_terminal(coordinator, failed)["status"] == "failed"
    email = next(p["email"] for p in first_org["peer_mentors"] if p["active"])
    ids = {"review": review, "done": done, "cancelled": cancelled, "failed": failed}
    return ids | {"email": email}  # a person of the roster, for a good CSV file


@pytest.fixture(scope="module")
def newcomer(stack: Stack) -> str:
    """A coordinator of an organization with nothing yet: no job, no anomaly, no roster."""
    name = "Tidewater Tenders"  # the session's own stack: no other organization is named so
    run_cli(stack, "org", "add", "--name", name, "--timezone", "Europe/Oslo")
    email = "lead@tidewater.example.org"
    run_cli(stack, "user", "add", "--org", name, "--role", "coordinator",
            "--name", "Tora Tidewater", "--email", email)  # fmt: skip
    return run_cli(stack, "token", "--org", name, "--email", email)


def _pages(page: Page, jobs: dict[str, str]) -> Iterator[str]:
    """Visit each page in turn; yields the name of the page it is on."""
    yield "jobs"
    page.goto("/ui/new")
    yield "new"
    page.fill("#q", "no such person anywhere")
    page.click("#search")
    yield "new-no-match"
    page.click("#submit-job")  # nothing filled in: the browser's own checks stop it
    page.select_option("#activity_type", index=1)
    page.fill("#occurred_on", days_ago(400))  # further back than a registration may be
    page.fill("#duration_minutes", "30")
    page.set_input_files("#csv", files=csv_file(b"email\nnot-an-email\n"))
    page.click("#submit-job")
    _linked(page, "#csv")
    yield "new-csv-error"
    page.set_input_files("#csv", files=csv_file(f"email\n{jobs['email']}\n".encode()))
    page.click("#submit-job")  # the file is good now, the date still too far back
    _linked(page, "#occurred_on")
    yield "new-date-error"
    page.goto("/ui/register")
    yield "register"
    page.click("#register-submit")  # nothing filled in: the browser's own checks stop it
    page.fill("#q", "no such person anywhere")
    page.click("#search")
    yield "register-no-match"
    for status in ("review", "cancelled", "failed", "done"):
        page.goto(f"/ui/jobs/{jobs[status]}")
        expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
        yield f"job-{status}"
    page.goto(f"/ui/jobs/{jobs['review']}")
    page.click("#cancel-job")
    yield "cancel-confirm"
    page.goto("/ui/anomalies")
    yield "anomalies"
    page.goto("/ui/accessibility")
    yield "accessibility"
    page.goto("/ui/settings")
    yield "settings"
    page.click("#save-settings")
    expect(page.locator("#saved")).to_be_visible()
    yield "settings-saved"
    page.goto("/ui/jobs/00000000-0000-0000-0000-000000000000")
    yield "not-found"


def _linked(page: Page, field: str) -> None:
    """The form's errors took the focus, and the field's error is linked to it."""
    expect(page.locator("#problems")).to_be_focused()
    expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
    described = page.locator(field).get_attribute("aria-describedby") or ""
    expect(page.locator(f"#{described.split()[0]}")).to_be_visible()


def _signed_out(page: Page) -> Iterator[str]:
    """The pages of someone not signed in, and their errors."""
    page.goto("/ui/login")
    yield "sign-in"
    page.fill("#token", "not a token")
    page.click("#sign-in")
    expect(page.locator("#token")).to_be_focused()
    expect(page.locator("#token")).to_have_attribute("aria-describedby", "token-error")
    yield "sign-in-error"
    page.goto("/ui/sign-in")
    yield "sign-in-link"
    page.fill("#link", "no-such-link")
    page.click("#sign-in")
    expect(page.locator("#link")).to_have_attribute("aria-invalid", "true")
    yield "sign-in-link-error"
    page.goto("/ui/login")
    page.fill("#email", "nobody.at.all@example.org")
    page.click("#email-link")
    expect(page.locator("#email-sent")).to_be_visible()
    yield "sign-in-email-sent"
    page.goto("/ui/accessibility")
    yield "accessibility-signed-out"


def _empty(page: Page) -> Iterator[str]:
    """An organization with nothing yet: the empty lists."""
    yield "jobs-empty"
    page.goto("/ui/anomalies")
    expect(page.locator("#no-open")).to_be_visible()
    yield "anomalies-empty"
    page.goto("/ui/new")
    expect(page.locator("#no-matches")).to_be_visible()
    yield "new-empty-roster"


@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_every_page_fits_and_passes_axe(
    browser: Browser,
    stack: Stack,
    first_org: dict[str, Any],
    jobs: dict[str, str],
    newcomer: str,
    phone: bool,
    language: str,
) -> None:
    """In both languages: the browser asks for the language, and the user picks it. Every
    page has a title of its own (the states of one page share it)."""
    size = f"{'phone' if phone else 'desktop'}-{language}"
    wish = {"en": "en-US", "nb": "nb-NO"}[language]
    titles: dict[str, str] = {}
    with opened(browser, stack.api, phone=phone, locale=wish) as page:

        def check(names: Iterator[str]) -> None:
            for name in names:
                expect(page.locator("html")).to_have_attribute("lang", language)
                check_page(page, f"{size}-{name}")
                titles[name] = page.title()

        check(_signed_out(page))
        sign_in(page, newcomer, language)
        check(_empty(page))
        sign_in(page, first_org["coordinators"][0]["token"], language)
        check(_pages(page, jobs))
    assert len(titles) == 26
    states = {"new-no-match", "new-csv-error", "new-date-error", "sign-in-error"}
    states |= {"register-no-match"}
    states |= {"sign-in-link-error", "settings-saved"}
    states |= {"accessibility-signed-out", "jobs-empty", "anomalies-empty", "new-empty-roster"}
    own = [title for name, title in titles.items() if name not in states]
    assert len(set(own)) == len(own), own


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
