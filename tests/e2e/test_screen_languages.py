"""The screen speaks bokmål and English, over HTTP and in a real browser: the browser's wish
where nobody is known, the user's pick kept across sign-ins, the organization's default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import launched, opened, sign_in
from tests.support.stack import Stack, run_cli


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


def test_a_browser_asking_for_bokmal_gets_a_bokmal_sign_in_page(stack: Stack) -> None:
    for wish in ("nb-NO,nb;q=0.9,en;q=0.5", "nn", "no"):
        page = httpx.get(f"{stack.api}/ui/login", headers={"Accept-Language": wish})
        assert '<html lang="nb">' in page.text and "<h1>Logg inn</h1>" in page.text, wish
    english = httpx.get(f"{stack.api}/ui/login", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in english.text and "<h1>Sign in</h1>" in english.text
    nothing = httpx.get(f"{stack.api}/ui/login")
    assert '<html lang="nb">' in nothing.text  # nobody known, no wish: bokmål
    picked = httpx.get(f"{stack.api}/ui/login?lang=en", headers={"Accept-Language": "nb"})
    assert '<html lang="en">' in picked.text  # the switch wins over the browser's wish


def test_the_switch_changes_the_language_and_it_is_kept_across_sign_ins(
    browser: Browser, stack: Stack, demo: dict[str, Any]
) -> None:
    org = demo["organizations"][1]  # its coordinator is not the one the other pages use
    token = org["coordinators"][0]["token"]
    with opened(browser, stack.api) as page:
        sign_in(page, token, "en")
        expect(page.locator("h1")).to_have_text("Bulk registrations")
        page.click("#language")  # "Norsk (bokmål)"
        expect(page.locator("html")).to_have_attribute("lang", "nb")
        expect(page.locator("h1")).to_have_text("Registreringer")
        expect(page).to_have_url(f"{stack.api}/ui/")
        page.goto("/ui/anomalies")
        page.click("#language")  # back to English, and back to the same page
        expect(page).to_have_url(f"{stack.api}/ui/anomalies")
        expect(page.locator("h1")).to_have_text("Anomalies")
        page.click("#language")
        expect(page.locator("h1")).to_have_text("Avvik")
        page.click("#sign-out")
        # The browser asks for English; nobody is known on the sign-in page...
        expect(page.locator("h1")).to_have_text("Sign in")
        sign_in(page, token, None)
        # ...and once signed in, the user's own pick holds.
        expect(page.locator("html")).to_have_attribute("lang", "nb")
        expect(page.locator("h1")).to_have_text("Registreringer")
    with opened(browser, stack.api, locale="en-US") as fresh:  # another browser, same user
        sign_in(fresh, token, None)
        expect(fresh.locator("h1")).to_have_text("Registreringer")
        sign_in(fresh, token, "en")  # picked on the sign-in page: kept too
        expect(fresh.locator("h1")).to_have_text("Bulk registrations")


def test_an_organization_in_english_gets_english_by_default(browser: Browser, stack: Stack) -> None:
    name = "Harbour Helpers"  # the session's own stack: no other organization is named so
    run_cli(stack, "org", "add", "--name", name, "--timezone", "Europe/Oslo", "--locale", "en")
    email = "lead@harbour.example.org"
    run_cli(stack, "user", "add", "--org", name, "--role", "coordinator",
             "--name", "Hanne Harbour", "--email", email)  # fmt: skip
    token = run_cli(stack, "token", "--org", name, "--email", email)
    with opened(browser, stack.api, locale="nb-NO") as page:
        page.goto("/ui/login")
        expect(page.locator("h1")).to_have_text("Logg inn")  # nobody known: the browser's
        sign_in(page, token, None)
        expect(page.locator("html")).to_have_attribute("lang", "en")  # the organization's
        expect(page.locator("h1")).to_have_text("Bulk registrations")
        run_cli(stack, "org", "set", "--org", name, "--locale", "nb")
        page.reload()
        expect(page.locator("h1")).to_have_text("Registreringer")
