"""Signing in with a link by email, against a real SMTP server the test starts (aiosmtpd) and
a stack of its own that sends to it (``BULKREG_SMTP_URL``): a known coordinator gets one
email in their language whose link signs in once; an unknown address gets the same page and
no email; the sixth request for one address in an hour gets the same page and no sixth
email; ``bulkreg sign-in-link --send`` emails the link. Emails are awaited on the server's
received messages with a deadline; what was not sent is read from the outbox, which the
request has finished writing when its answer comes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import opened
from tests.support.inbox import Inbox, html_of, smtp_server, text_of
from tests.support.stack import Stack, run_cli, start_stack, superuser

LINK = re.compile(r"https?://\S+/ui/sign-in#[\w-]+")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as served:
        yield served


@pytest.fixture(scope="module")
def mail_stack(inbox: Inbox) -> Iterator[Stack]:
    s = start_stack(
        "email-sign-in",
        extra_env={"BULKREG_SMTP_URL": inbox.url, "BULKREG_MAIL_FROM": "bulkreg@example.org"},
    )
    yield s
    s.stop()


@pytest.fixture
def page(browser: Browser, mail_stack: Stack) -> Iterator[Page]:
    with opened(browser, mail_stack.api) as p:
        yield p


def coordinator(stack: Stack, org: int = 0) -> dict[str, Any]:
    return dict(stack.demo["organizations"][org]["coordinators"][0])


def ask_for_link(page: Page, address: str, language: str = "en") -> str:
    """Ask on the sign-in page; the answer page's words."""
    page.goto(f"/ui/login?lang={language}")
    page.fill("#email", address)
    page.click("#email-link")
    expect(page.locator("#email-sent")).to_be_visible()
    return page.locator("main").inner_text().replace(address, "ADDRESS")


def sign_in_links_queued(stack: Stack, address: str) -> int:
    """Sign-in emails in the outbox for ``address``: written before the request answered."""
    with superuser(stack) as conn:
        row = conn.execute(
            "select count(*) from emails where kind = 'sign_in_link' and lower(to_address) = %s",
            (address.lower(),),
        ).fetchone()
    assert row is not None
    return int(row[0])


def only_link(message: Any) -> str:
    [link] = set(LINK.findall(text_of(message)))
    assert link in html_of(message)
    return link


def test_a_coordinator_gets_one_email_in_their_language_and_its_link_signs_in_once(
    page: Page, mail_stack: Stack, inbox: Inbox
) -> None:
    person = coordinator(mail_stack)
    ask_for_link(page, person["email"].upper(), "en")  # the page's language is not theirs
    inbox.wait(lambda _: inbox.to(person["email"]))
    [message] = inbox.to(person["email"])
    assert message["Content-Language"] == "nb"  # theirs (the organization's), not the page's
    assert message["Subject"] == "Lenken din for å logge inn"
    assert "15 minutter" in text_of(message)
    assert mail_stack.demo["organizations"][0]["name"] in text_of(message)  # which one it is for
    link = only_link(message)
    assert link.startswith(mail_stack.api)
    page.goto(link)
    with page.expect_navigation():
        page.click("#sign-in")
    expect(page.locator("#sign-out")).to_be_visible()
    page.context.clear_cookies()
    page.goto(link)  # once only
    page.click("#sign-in")
    expect(page.locator("#link")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sign-out")).to_have_count(0)


def test_an_unknown_address_gets_the_same_page_and_no_email(
    page: Page, mail_stack: Stack, inbox: Inbox
) -> None:
    known = coordinator(mail_stack, 1)["email"]
    unknown = "nobody.here@example.org"
    peer_mentor = mail_stack.demo["organizations"][0]["peer_mentors"][0]["email"]
    answers = {ask_for_link(page, address) for address in (known, unknown, peer_mentor)}
    assert len(answers) == 1, answers
    assert sign_in_links_queued(mail_stack, unknown) == 0
    assert sign_in_links_queued(mail_stack, peer_mentor) == 0
    inbox.wait(lambda _: inbox.to(known))  # the known one's came, through the same relay
    assert inbox.to(unknown) == [] and inbox.to(peer_mentor) == []


def test_the_sixth_request_in_an_hour_gets_the_same_page_and_no_email(
    page: Page, mail_stack: Stack, inbox: Inbox
) -> None:
    address = mail_stack.demo["organizations"][0]["coordinators"][1]["email"]
    answers = {ask_for_link(page, address) for _ in range(6)}
    assert len(answers) == 1
    assert sign_in_links_queued(mail_stack, address) == 5
    messages = inbox.wait(lambda _: len(inbox.to(address)) >= 5)
    assert len([m for m in messages if address in str(m["To"])]) == 5


def test_sign_in_link_send_emails_the_link(mail_stack: Stack, inbox: Inbox) -> None:
    org = mail_stack.demo["organizations"][1]["id"]
    email = "sent.by.the.operator@example.org"  # nobody else asks for this one
    run_cli(mail_stack, "user", "add", "--org", org, "--role", "admin",
            "--name", "Oda Operator", "--email", email)  # fmt: skip
    with superuser(mail_stack) as conn:  # as if she had picked English on the screen
        conn.execute("update users set locale = 'en' where email = %s", (email,))
    said = run_cli(mail_stack, "sign-in-link", "--email", email, "--org", org, "--send")
    assert email in said and "#" not in said  # the link is not printed
    inbox.wait(lambda _: inbox.to(email))
    [message] = inbox.to(email)
    assert message["Content-Language"] == "en"  # her own pick
    assert message["Subject"] == "Your sign-in link"
    assert f"It signs you in to {mail_stack.demo['organizations'][1]['name']}." in text_of(message)
    only_link(message)
