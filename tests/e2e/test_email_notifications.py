"""Notifications by email through a stack of its own (``bulkreg up``) that sends to a real
SMTP server the test starts (``BULKREG_SMTP_URL``): a job that stops for review mails its
submitter in their language, with the event's id in its ``Message-ID``; a mail server that is
down never holds up a job, and everything is sent once it is back; one organization's slow
mail holds up neither webhook deliveries nor another organization's mail."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.support.db import wait_for
from tests.support.http import bulk_body, days_ago, wait_terminal
from tests.support.inbox import html_of, text_of
from tests.support.mail_server import GatedInbox, gated_smtp_server
from tests.support.receiver import receiving
from tests.support.stack import Stack, start_stack, superuser

MAIL_FROM = "bulkreg <noreply@bulkreg.example.org>"
NOBODY = "00000000-0000-4000-8000-00000000e3a1"  # no person of any organization


@pytest.fixture(scope="module")
def inbox() -> Iterator[GatedInbox]:
    with gated_smtp_server() as served:
        yield served


@pytest.fixture(scope="module")
def stack(inbox: GatedInbox) -> Iterator[Stack]:
    started = start_stack(
        "mail",
        extra_env={
            "BULKREG_SMTP_URL": inbox.url,
            "BULKREG_MAIL_FROM": MAIL_FROM,
            "BULKREG_PUBLIC_URL": "https://reg.example.org",
            # Retried soon after a failed attempt: the test waits for the server's return,
            # not for a back-off meant for a day.
            "BULKREG_WEBHOOK_RETRY_BASE_SECONDS": "0.5",
        },
    )
    yield started
    started.stop()


def coordinator(org: dict[str, Any]) -> dict[str, Any]:
    return dict(org["coordinators"][0])


def needing_review(client: httpx.Client, org: dict[str, Any], day: int) -> str:
    """A job with someone unknown among its participants: it stops for review."""
    active = next(p["id"] for p in org["peer_mentors"] if p["active"])
    r = client.post("/v1/bulk-registrations", json=bulk_body([NOBODY, active], days_ago(day)))
    assert r.status_code == 202, r.text
    return str(r.json()["job_id"])


def review_mail(inbox: GatedInbox, job_id: str) -> list[EmailMessage]:
    return [m for m in inbox.messages if f"/ui/jobs/{job_id}" in text_of(m)]


def arrived(inbox: GatedInbox, job_id: str) -> list[EmailMessage]:
    inbox.wait(lambda _: review_mail(inbox, job_id))
    return review_mail(inbox, job_id)


def test_a_job_that_needs_review_mails_its_submitter_in_their_language(
    stack: Stack, inbox: GatedInbox
) -> None:
    org_nb, org_en = stack.demo["organizations"][:2]
    with superuser(stack) as conn:  # the second one's coordinator picked English
        conn.execute("update users set locale = 'en' where id = %s", (coordinator(org_en)["id"],))
    jobs = {}
    for org in (org_nb, org_en):
        with stack.client(coordinator(org)["token"]) as client:
            jobs[org["id"]] = job_id = needing_review(client, org, 170)
            assert wait_terminal(client, job_id)["status"] == "needs_review"
    for org, subject in (
        (org_nb, "En massregistrering må gjennomgås av deg"),
        (org_en, "A bulk registration needs your review"),
    ):
        job_id = jobs[org["id"]]
        (message,) = arrived(inbox, job_id)
        assert message["Subject"] == subject
        assert message["To"] == coordinator(org)["email"]
        assert f'href="https://reg.example.org/ui/jobs/{job_id}"' in html_of(message)
        with stack.client(coordinator(org)["token"]) as client:
            events = client.get("/v1/events", params={"type": "bulk_registration.needs_review"})
        (event,) = [e for e in events.json()["items"] if e["data"]["job_id"] == job_id]
        assert message["Message-ID"] == f"<{event['id']}@bulkreg.example.org>"


def test_a_mail_server_that_is_down_delays_email_and_never_a_job(
    stack: Stack, inbox: GatedInbox
) -> None:
    org = stack.demo["organizations"][0]
    inbox.stop()
    try:
        with stack.client(coordinator(org)["token"]) as client:
            jobs = [needing_review(client, org, 171 + n) for n in range(3)]
            for job_id in jobs:
                assert wait_terminal(client, job_id)["status"] == "needs_review"
        with superuser(stack) as conn:  # tried, refused, waiting for another attempt
            wait_for(
                lambda: (
                    conn.execute(
                        "select count(*) from emails where status = 'pending' and attempts > 0"
                        " and last_error is not null and payload ->> 'job_id' = any(%s)",
                        (jobs,),
                    ).fetchone()
                    == (3,)
                ),
                timeout=60,
            )
    finally:
        inbox.start()
    inbox.wait(lambda _: all(review_mail(inbox, job_id) for job_id in jobs), timeout=120)
    assert all(len(review_mail(inbox, job_id)) == 1 for job_id in jobs)


def test_slow_mail_holds_up_neither_webhooks_nor_another_organizations_mail(
    stack: Stack, inbox: GatedInbox
) -> None:
    """The second demo organization's coordinator's mail server answers slowly (held at
    RCPT TO until the end): the first organization's email and webhook delivery arrive while
    as many of the slow one's emails as it may have in flight are still held."""
    other_org, slow_org = stack.demo["organizations"][:2]
    inbox.slow_for.add(coordinator(slow_org)["email"].lower())
    admin = stack.client(other_org["admins"][0]["token"])
    with receiving() as hooks:
        made = admin.post("/v1/webhooks", json={"url": hooks.url, "types": ["bulk_registration.*"]})
        assert made.status_code == 201, made.text
        hooks.secret = made.json()["secret"]
        try:
            with stack.client(coordinator(slow_org)["token"]) as client:
                slow_jobs = [needing_review(client, slow_org, 180 + n) for n in range(6)]
            with inbox.changed:  # as many of its emails in flight as its organization may have
                assert inbox.changed.wait_for(lambda: inbox.held >= 4, timeout=90)
            with stack.client(coordinator(other_org)["token"]) as client:
                job_id = needing_review(client, other_org, 180)
            inbox.wait(lambda _: review_mail(inbox, job_id), timeout=90)
            wait_for(
                lambda: any(r.body["data"]["job_id"] == job_id for r in hooks.accepted),
                timeout=60,
            )
            assert not inbox.gate.is_set() and inbox.held >= 1  # the slow ones still wait
        finally:
            inbox.gate.set()
            assert admin.delete(f"/v1/webhooks/{made.json()['id']}").status_code == 204
            admin.close()
    inbox.wait(lambda _: all(review_mail(inbox, j) for j in slow_jobs), timeout=120)
