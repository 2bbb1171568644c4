"""``/ui/settings`` in a real browser, with the keyboard alone: a coordinator turns on the
email for jobs that succeed, saves, and finds it kept; the language picked there is the
screen's from then on. A user of their own, so no other test's emails change."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.keyboard import tab_to
from tests.support.stack import Stack, run_cli


@pytest.fixture(scope="module")
def settler(stack: Stack, first_org: dict[str, Any]) -> str:
    """A coordinator of the first organization that only this module signs in as."""
    email = "settings.keeper@example.org"  # the session's own stack: nobody else is so named
    run_cli(stack, "user", "add", "--org", first_org["id"], "--role", "coordinator",
            "--name", "Siri Settings", "--email", email)  # fmt: skip
    return run_cli(stack, "token", "--org", first_org["id"], "--email", email)


def test_success_emails_turned_on_by_keyboard_are_kept(phone: Page, settler: str) -> None:
    sign_in(phone, settler)
    phone.goto("/ui/")
    tab_to(phone, "#settings-link")
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Your settings")
    expect(phone.locator("#notify-needs-review")).to_be_checked()
    expect(phone.locator("#notify-failed")).to_be_checked()
    expect(phone.locator("#notify-succeeded")).not_to_be_checked()
    tab_to(phone, "#notify-succeeded")
    phone.keyboard.press("Space")
    tab_to(phone, "#save-settings")
    phone.keyboard.press("Enter")
    expect(phone.locator("#saved")).to_have_text("Your settings are saved.")
    phone.goto("/ui/settings")
    expect(phone.locator("#notify-succeeded")).to_be_checked()
    expect(phone.locator("#notify-needs-review")).to_be_checked()
    expect(phone.locator("#notify-failed")).to_be_checked()


def test_the_language_picked_in_settings_is_the_screens(phone: Page, settler: str) -> None:
    sign_in(phone, settler)
    phone.goto("/ui/settings")
    expect(phone.locator("#locale-en")).to_be_checked()  # picked on the sign-in page
    phone.check("#locale-nb")
    phone.click("#save-settings")
    expect(phone.locator("html")).to_have_attribute("lang", "nb")
    expect(phone.locator("#saved")).to_have_text("Innstillingene dine er lagret.")
    expect(phone.locator("#locale-nb")).to_be_checked()


def test_a_settings_form_from_elsewhere_is_refused(phone: Page, settler: str) -> None:
    sign_in(phone, settler)
    phone.goto("/ui/settings")
    answer = phone.request.post(
        "/ui/settings", form={"csrf": "not-the-one", "succeeded": "on", "locale": "en"}
    )
    assert answer.status == 403
    csrf = phone.locator("#settings-form input[name=csrf]").get_attribute("value") or ""
    kept = phone.locator("#notify-failed").is_checked()
    answer = phone.request.post("/ui/settings", form={"csrf": csrf, "locale": "klingon"})
    assert answer.status == 422  # a language the screen does not speak: nothing written
    phone.goto("/ui/settings")
    expect(phone.locator("#notify-failed")).to_be_checked(checked=kept)
