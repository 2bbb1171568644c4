"""Single sign-on through a real, certified OpenID provider (panva's oidc-provider, started
by the test): the flow as a person's browser goes through it, and every way it can end
without a session — an unknown, inactive or peer-mentor person, a cancelled sign-in, a
forged or replayed ``state`` — as a page in plain words, never a server error; a public
client (PKCE alone); and a provider that hangs, which nobody waits for."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page

from api.oidc import DEADLINE_SECONDS
from tests.support.browser import check_page, launched, opened
from tests.support.dribbler import Dribbler, dribbling
from tests.support.keyboard import tab_to
from tests.support.net import free_port
from tests.support.openid import Provider, openid_provider, sign_in_at_provider
from tests.support.stack import Stack, run_cli, start_stack

PROVIDER_NAME = "Test ID"
ORG = "Heathrow Helpers"  # this module's own organization, in its own stack


@pytest.fixture(scope="module")
def provider_and_stack() -> Iterator[tuple[Provider, Stack]]:
    """A stack whose screen offers single sign-on with the provider, a confidential client
    (the provider requires PKCE of it all the same)."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    with openid_provider(f"{public_url}/ui/oidc/callback") as provider:
        assert provider.client_secret
        stack = start_stack(
            "single-sign-on",
            extra_env={
                "BULKREG_API_PORT": str(port),
                "BULKREG_PUBLIC_URL": public_url,
                "BULKREG_OIDC_ISSUER": provider.issuer,
                "BULKREG_OIDC_CLIENT_ID": provider.client_id,
                "BULKREG_OIDC_CLIENT_SECRET": provider.client_secret,
                "BULKREG_OIDC_NAME": PROVIDER_NAME,
            },
        )
        try:
            assert stack.api == public_url
            run_cli(stack, "org", "add", "--name", ORG, "--timezone", "Europe/Oslo")
            for role, subject in (
                ("coordinator", "sso-coordinator"),
                ("coordinator", "sso-inactive"),
                ("peer_mentor", "sso-peer-mentor"),
            ):
                run_cli(stack, "user", "add", "--org", ORG, "--role", role,
                        "--name", f"Person {subject}", "--email", f"{subject}@example.org",
                        "--auth-subject", subject)  # fmt: skip
            run_cli(stack, "user", "deactivate", "--org", ORG,
                    "--email", "sso-inactive@example.org")  # fmt: skip
            yield provider, stack
        finally:
            stack.stop()


@pytest.fixture(scope="module")
def stack(provider_and_stack: tuple[Provider, Stack]) -> Stack:
    return provider_and_stack[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


def signed_in(page: Page) -> bool:
    return any(c["name"] == "bulkreg_session" for c in page.context.cookies())


def start_single_sign_on(page: Page, path: str = "/ui/") -> None:
    """A signed-out visit to ``path``: the sign-in page, then its single sign-on button."""
    page.goto(path)
    assert urlsplit(page.url).path == "/ui/login"
    with page.expect_navigation():
        page.click("#single-sign-on")


def test_an_active_coordinator_signs_in_through_the_provider_and_lands_on_the_job_list(
    stack: Stack, browser: Browser
) -> None:
    with opened(browser, stack.api) as page:
        page.goto("/ui/login?lang=en")
        button = page.locator("#single-sign-on")
        assert button.inner_text() == f"Sign in with {PROVIDER_NAME}"
        assert page.locator("#token").count() == 1  # the token is still a way in
        check_page(page, "sso-login")
        tab_to(page, "#single-sign-on")  # the keyboard alone, as any task
        with page.expect_navigation():
            page.keyboard.press("Enter")
        sign_in_at_provider(page, "sso-coordinator")
        page.wait_for_url(f"{stack.api}/ui/")
        assert page.locator("h1").inner_text() == "Bulk registrations"
        assert signed_in(page)
        assert page.locator("#sign-out").count() == 1


def test_the_authorization_request_carries_pkce_state_and_nonce(
    stack: Stack, browser: Browser
) -> None:
    with opened(browser, stack.api) as page:
        page.goto("/ui/login")
        with page.expect_request("http://localhost:*/auth?*") as sent:
            page.click("#single-sign-on")
        query = parse_qs(urlsplit(sent.value.url).query)
        assert query["response_type"] == ["code"]
        assert query["scope"] == ["openid"]
        assert query["code_challenge_method"] == ["S256"]
        assert query["redirect_uri"] == [f"{stack.api}/ui/oidc/callback"]
        for value in ("state", "nonce", "code_challenge"):
            assert len(query[value][0]) >= 43, value
        attempt = next(c for c in page.context.cookies() if c["name"] == "bulkreg_oidc")
        assert attempt["httpOnly"] and attempt["path"] == "/ui/oidc/"
        assert attempt["sameSite"] == "Lax"


def test_signing_in_returns_to_the_page_asked_for(stack: Stack, browser: Browser) -> None:
    with opened(browser, stack.api) as page:
        page.goto("/ui/anomalies")
        assert urlsplit(page.url).path == "/ui/login"
        with page.expect_navigation():
            page.click("#language")  # the switch keeps the page to return to
        assert parse_qs(urlsplit(page.url).query) == {"lang": ["nb"], "next": ["/ui/anomalies"]}
        with page.expect_navigation():
            page.click("#single-sign-on")
        sign_in_at_provider(page, "sso-coordinator")
        page.wait_for_url(f"{stack.api}/ui/anomalies")
        assert page.locator("html").get_attribute("lang") == "nb"  # kept on the user
        assert signed_in(page)
    with opened(browser, stack.api) as page:  # a pasted token goes there too
        page.goto("/ui/anomalies")
        assert urlsplit(page.url).path == "/ui/login"
        page.fill("#token", stack.demo["organizations"][0]["coordinators"][0]["token"])
        with page.expect_navigation():
            page.click("#sign-in")
        page.wait_for_url(f"{stack.api}/ui/anomalies")


@pytest.mark.parametrize(
    ("subject", "title", "said"),
    [
        ("nobody-knows-me", "No account for you here", "has no active account for you"),
        ("sso-inactive", "No account for you here", "has no active account for you"),
        ("sso-peer-mentor", "Not for peer mentors", "is for coordinators and admins"),
    ],
)
def test_a_person_without_a_place_on_the_screen_gets_a_page_and_no_session(
    stack: Stack, browser: Browser, subject: str, title: str, said: str
) -> None:
    with opened(browser, stack.api) as page:
        start_single_sign_on(page)
        with page.expect_response(lambda r: "/ui/oidc/callback" in r.url) as answer:
            sign_in_at_provider(page, subject)
        assert answer.value.status == 403
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() == title
        assert said in page.locator("main").inner_text()
        assert not signed_in(page)
        check_page(page, f"sso-refused-{subject}")
        page.goto("/ui/")
        assert urlsplit(page.url).path == "/ui/login"


def test_the_pages_speak_bokmal_on_a_phone(stack: Stack, browser: Browser) -> None:
    with opened(browser, stack.api, phone=True, locale="nb-NO") as page:
        page.goto("/ui/login")
        assert page.locator("#single-sign-on").inner_text() == f"Logg inn med {PROVIDER_NAME}"
        check_page(page, "sso-login-nb-phone")
        with page.expect_navigation():
            page.click("#single-sign-on")
        with page.expect_response(lambda r: "/ui/oidc/callback" in r.url):
            sign_in_at_provider(page, "nobody-knows-me-either")
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() == "Ingen konto for deg her"
        check_page(page, "sso-refused-nb-phone")


def test_cancelling_at_the_provider_is_a_plain_page(stack: Stack, browser: Browser) -> None:
    with opened(browser, stack.api) as page:
        start_single_sign_on(page)
        page.wait_for_url("http://localhost:*/interaction/*")
        with page.expect_response(lambda r: "/ui/oidc/callback" in r.url) as answer:
            page.click("a[href*='/abort']")
        assert answer.value.status == 403
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() == "Sign-in cancelled"
        assert not signed_in(page)
        check_page(page, "sso-cancelled")


def test_a_forged_or_replayed_state_is_a_plain_page(stack: Stack, browser: Browser) -> None:
    with opened(browser, stack.api) as page:
        start_single_sign_on(page)  # an attempt of this browser's, waiting at the provider
        forged = page.goto("/ui/oidc/callback?state=made-up&code=made-up")
        assert forged is not None and forged.status == 400
        assert page.locator("h1").inner_text() == "This sign-in has ended"
        check_page(page, "sso-stale")
        assert not signed_in(page)

    with opened(browser, stack.api) as page:
        start_single_sign_on(page)
        attempt = [c for c in page.context.cookies() if c["name"] == "bulkreg_oidc"]
        with page.expect_request(lambda r: "/ui/oidc/callback" in r.url) as came_back:
            sign_in_at_provider(page, "sso-coordinator")
        page.wait_for_url(f"{stack.api}/ui/")
        assert signed_in(page)
        # The provider's redirect again, with its code and state, and even with the attempt's
        # cookie put back: an attempt is taken once.
        page.context.clear_cookies()
        page.context.add_cookies(attempt)  # type: ignore[arg-type]
        replayed = page.goto(came_back.value.url)
        assert replayed is not None and replayed.status == 400
        assert page.locator("h1").inner_text() == "This sign-in has ended"
        assert not signed_in(page)


@pytest.fixture(scope="module")
def public_client() -> Iterator[Stack]:
    """A stack that is a public client of its provider (no secret: PKCE alone), its redirect
    URI on the default base (no BULKREG_PUBLIC_URL: the API's own URL)."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    with openid_provider(f"{public_url}/ui/oidc/callback", client_secret=None) as provider:
        stack = start_stack(
            "single-sign-on-public",
            extra_env={
                "BULKREG_API_PORT": str(port),
                "BULKREG_OIDC_ISSUER": provider.issuer,
                "BULKREG_OIDC_CLIENT_ID": provider.client_id,
            },
        )
        try:
            org = stack.demo["organizations"][0]["name"]
            run_cli(stack, "user", "add", "--org", org, "--role", "admin", "--name", "Public Pat",
                    "--email", "public-pat@example.org", "--auth-subject", "sso-public")  # fmt: skip
            yield stack
        finally:
            stack.stop()


def test_a_public_client_signs_in_with_pkce_alone(public_client: Stack, browser: Browser) -> None:
    with opened(browser, public_client.api) as page:
        start_single_sign_on(page)
        sign_in_at_provider(page, "sso-public")
        page.wait_for_url(f"{public_client.api}/ui/")
        assert signed_in(page)


@pytest.fixture(scope="module")
def hanging_provider() -> Iterator[tuple[Dribbler, Stack]]:
    """A stack whose provider accepts connections and then dribbles, never answering."""
    with dribbling() as dribbler:
        issuer = dribbler.url.rsplit("/hooks/", 1)[0]
        stack = start_stack(
            "single-sign-on-hanging",
            extra_env={"BULKREG_OIDC_ISSUER": issuer, "BULKREG_OIDC_CLIENT_ID": "bulkreg"},
        )
        try:
            yield dribbler, stack
        finally:
            stack.stop()


def test_a_provider_that_does_not_answer_is_a_quick_plain_page(
    hanging_provider: tuple[Dribbler, Stack], browser: Browser
) -> None:
    dribbler, stack = hanging_provider

    def start() -> tuple[int, float]:
        began = time.monotonic()
        with httpx.Client(base_url=stack.api, timeout=30) as http:
            answer = http.get("/ui/oidc/start", headers={"Accept-Language": "en"})
        return answer.status_code, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: start(), range(8)))
    assert [status for status, _ in answers] == [503] * 8
    assert max(took for _, took in answers) < DEADLINE_SECONDS + 3  # nobody waits on it
    assert dribbler.connections == 1  # asked once, not once per person
    with opened(browser, stack.api) as page:
        page.goto("/ui/login")
        with page.expect_navigation():
            page.click("#single-sign-on")
        assert page.locator("h1").inner_text() == "Single sign-on is not answering"
        check_page(page, "sso-not-answering")
