"""Driving the screen in Debian's headless Chromium: the browser, screenshots kept as test
artifacts, sign-in, and the two checks every page gets (fits the phone; axe-core finds nothing
of WCAG 2.2 AA or best practice)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, FilePayload, Page, ViewportSize, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
# The rules docs/api.md §12 promises: WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practice.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_axe = Axe()


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "make test installs Debian's chromium package"
    return path


@contextmanager
def launched() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def opened(
    browser: Browser, base_url: str, phone: bool = False, locale: str = "en-US"
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url,
        locale=locale,  # Accept-Language, chosen: no test depends on the machine's
        viewport=PHONE if phone else DESKTOP,
        is_mobile=phone,
        has_touch=phone,
        accept_downloads=True,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def token_of(org: dict[str, Any]) -> str:
    """The bearer token of the organization's first coordinator (the demo's)."""
    return str(org["coordinators"][0]["token"])


def sign_in(page: Page, token: str, language: str | None = "en") -> None:
    """Sign in with a token. The language is picked on the sign-in page (its switch), so it
    is kept on the user: the tests that read English words get English whatever the user or
    the organization had before; ``None`` keeps what they have."""
    page.goto(f"/ui/login?lang={language}" if language else "/ui/login")
    page.fill("#token", token)
    with page.expect_navigation():
        page.click("#sign-in")


def fits(page: Page) -> tuple[int, int]:
    """The page's width and the window's: no sideways scrolling when the first is at most
    the second."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return int(width), int(inner)


def violations(page: Page) -> list[str]:
    """axe-core's violations of the rules tagged ``AXE_TAGS`` on the page, whatever their
    impact, one line each."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    found = _axe.run(page, options=options).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    ]


def check_page(page: Page, name: str) -> None:
    """Every page: no sideways scrolling, no axe-core violation of WCAG 2.2 AA or best
    practice, and a screenshot kept under test-artifacts/. A click that navigates returns once the
    navigation has begun: the page is checked once it has loaded, not while it is replaced."""
    page.wait_for_load_state("load")
    width, inner = fits(page)
    assert width <= inner, f"{name}: {width} px wide in a {inner} px window"
    found = violations(page)
    assert not found, f"{name}: {found}"
    shot(page, name)


def csv_file(data: bytes) -> FilePayload:
    """A CSV file as a browser's file chooser would hand it over."""
    return FilePayload(name="people.csv", mimeType="text/csv", buffer=data)
