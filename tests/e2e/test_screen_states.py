"""Every state of every page as ``tests/support/pages.py`` renders it, loaded in a real
browser without a server, in both languages, at a phone's and a desktop's width: axe-core
finds no violation of WCAG 2.2 AA or best practice, every control is a 24x24 px target or has
room around it, and the skip link comes first. This covers the states the running stack
passes through too quickly to catch (a queued or a running job); ``test_screen_pages.py``
checks the pages the stack serves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from domain.languages import Language
from tests.support.browser import launched, opened, violations
from tests.support.keyboard import focused, small_targets
from tests.support.pages import contexts, render

PAGES = list(contexts())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


@pytest.mark.parametrize("language", list(Language), ids=str)
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_every_state_of_every_page_passes_axe_and_the_target_size(
    browser: Browser, phone: bool, language: Language
) -> None:
    with opened(browser, "http://screen.invalid", phone=phone) as page:
        page.route("**/*", lambda route: route.abort())  # a page that watches asks nobody
        found: dict[str, list[str]] = {}
        for name, template, path, context in PAGES:
            page.set_content(render(template, path, context, language))
            problems = violations(page) + small_targets(page) + _skip_link_first(page)
            if problems:
                found[name] = problems
        assert found == {}


def _skip_link_first(page: Page) -> list[str]:
    """The first Tab lands on the skip link, unless the page gave the focus to its errors."""
    if focused(page) is not None:
        return []
    page.keyboard.press("Tab")
    first = focused(page)
    return [] if first and first.id == "skip-link" else [f"first Tab stop: {first}"]
