"""Email: which protection a mail server URL asks for, the message an outbox row becomes,
and the outbox's use cases (written under the recipient's identity, sent in turns by
organization, retried, given up)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

import pytest

from bulkreg.foundation.mailserver import mail_server
from bulkreg.foundation.settings import Settings
from bulkreg.mail.render import render
from domain.clock import utcnow
from domain.languages import Language
from domain.model import Principal, Role, UserRecord
from domain.ports.mail import OutgoingEmail
from domain.services import mail
from domain.services.relay import Retries
from tests.support.fakes import FakeUnitsOfWork

RETRIES = Retries(base_seconds=5, window=timedelta(hours=24))


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp://user:pw@mail.example.org:587", "starttls", 587),
        ("smtp://user@mail.example.org", "starttls", 587),
        ("smtps://user:pw@mail.example.org:465", "implicit_tls", 465),
        ("smtps://mail.example.org", "implicit_tls", 465),
        ("smtp://127.0.0.1:8025", "none", 8025),
        ("smtp://localhost:2525", "none", 2525),
        ("smtp://[::1]:25", "none", 25),
        # Off the machine, or with a password to protect: TLS all the same.
        ("smtp://10.0.0.5:25", "starttls", 25),
        ("smtp://user:pw@127.0.0.1:8025", "starttls", 8025),
    ],
)
def test_the_url_says_how_the_connection_is_protected(url: str, security: str, port: int) -> None:
    server = mail_server(url)
    assert (server.security, server.port) == (security, port)


def test_the_password_may_come_on_its_own_and_is_never_shown() -> None:
    server = mail_server("smtp://relay%40org@mail.example.org", password="s3cret-pw")
    assert (server.username, server.password) == ("relay@org", "s3cret-pw")
    assert "s3cret-pw" not in repr(server)


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtp://mail.example.org/inbox", "mail:25"]
)
def test_a_url_that_names_no_mail_server_is_refused_at_start_up(url: str) -> None:
    with pytest.raises(ValueError):
        Settings(smtp_url=url)


def test_without_a_url_the_stack_sends_to_its_catcher() -> None:
    settings = Settings(dev_smtp_port=8125)
    assert settings.mail_catcher
    assert settings.mail_url == "smtp://127.0.0.1:8125"
    assert settings.mail_server.security == "none"
    assert not Settings(smtp_url="smtps://mail.example.org").mail_catcher


def _email(kind: str, language: str, payload: dict[str, Any]) -> OutgoingEmail:
    return OutgoingEmail(
        uuid4(), uuid4(), "evt_0a1b", kind, language, "kari@example.org", payload, 1, utcnow()
    )


def _parsed(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _review(language: str) -> OutgoingEmail:
    job = "6f1c3a52-3b7e-4c43-9d59-0f6f3c7c2a10"
    payload = {
        "job_id": job,
        "status": "needs_review",
        "counts": {"total": 14, "ready": 2, "conflict": 12, "invalid": 0},
        "conflicts": [{"name": "Åse <Ødegård>"}, {"name": "Bjørn"}],
        "error_code": None,
    }
    return _email("job_needs_review", language, payload)


def test_a_review_email_is_in_the_recipients_language_with_the_link_and_the_first_names() -> None:
    message = _parsed(
        render(
            _review("nb"),
            links_base="https://reg.example.org/",
            mail_from="bulkreg <noreply@example.org>",
        )
    )
    assert message["Subject"] == "En massregistrering må gjennomgås av deg"
    assert message["Message-ID"] == "<evt_0a1b@example.org>"
    assert message["Content-Language"] == "nb"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    body, page = str(text.get_content()), str(html.get_content())
    link = "https://reg.example.org/ui/jobs/6f1c3a52-3b7e-4c43-9d59-0f6f3c7c2a10"
    assert link in body and f'href="{link}"' in page
    assert "- Åse <Ødegård>" in body and "og 10 til" in body
    assert "Åse &lt;Ødegård&gt;" in page and "<Ødegård>" not in page  # escaped in HTML
    assert '<html lang="nb">' in page


def test_the_same_row_makes_the_same_message_id_every_time() -> None:
    email = _review("en")
    first, again = (render(email, links_base="http://x", mail_from="a@b.org") for _ in "12")
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Subject"] == "A bulk registration needs your review"
    assert render(
        _email("sign_in_link", "en", {"link": "http://x/ui/sign-in#k", "minutes": 15}),
        links_base="http://x",
        mail_from="a@b.org",
    )["Message-ID"].startswith("<evt_")


def test_a_failed_job_email_says_why_and_what_to_do_in_plain_words() -> None:
    payload = {
        "job_id": str(uuid4()),
        "counts": {"total": 3},
        "conflicts": [],
        "error_code": "invalid_participants",
    }
    message = _parsed(
        render(_email("job_failed", "en", payload), links_base="http://x", mail_from="a@b.org")
    )
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    body = str(text.get_content())
    assert "Some participants cannot be registered." in body
    assert "correct the list and submit it again" in body
    assert "invalid_participants" not in body


def _units() -> tuple[FakeUnitsOfWork, Principal]:
    units = FakeUnitsOfWork()
    org = uuid4()
    user = UserRecord(uuid4(), org, Role.COORDINATOR, "Kari", True, "kari@example.org")
    units.store.users[user.id] = user
    units.store.languages[user.id] = Language.EN
    return units, Principal(user.id, org, Role.COORDINATOR)


def _enqueue(units: FakeUnitsOfWork, principal: Principal, commit: bool = True) -> UUID | None:
    with units(principal) as uow:
        written = mail.enqueue_email(
            uow,
            org_id=principal.org_id,
            recipient_user_id=principal.user_id,
            kind="sign_in_link",
            payload={"link": "http://x/ui/sign-in#k", "minutes": 15},
        )
        if commit:
            uow.commit()
    return written


def test_an_email_is_written_only_with_the_change_that_commits() -> None:
    units, kari = _units()
    _enqueue(units, kari, commit=False)
    assert units.store.letters == []
    assert _enqueue(units, kari) is not None
    (letter,) = units.store.letters
    assert (letter.email.to_address, letter.email.language) == ("kari@example.org", "en")


def test_an_email_goes_only_to_the_caller() -> None:
    units, kari = _units()
    someone = Principal(uuid4(), kari.org_id, Role.COORDINATOR)
    with units(someone) as uow:
        written = mail.enqueue_email(
            uow, org_id=kari.org_id, recipient_user_id=kari.user_id, kind="sign_in_link", payload={}
        )
        uow.commit()
    assert written is None and units.store.letters == []


def test_a_failed_attempt_is_retried_later_and_given_up_after_the_window() -> None:
    units, kari = _units()
    _enqueue(units, kari)
    (claimed,) = mail.claim(units, 8, lease_seconds=10)
    mail.settle(units, claimed, "ConnectionRefusedError: [Errno 111]", RETRIES)
    (letter,) = units.store.letters
    assert letter.status == "pending" and letter.next_attempt_at > utcnow()
    assert mail.claim(units, 8, lease_seconds=10) == []  # not due yet
    late = lambda: claimed.first_queued_at + timedelta(hours=25)  # noqa: E731
    mail.settle(units, claimed, "timed out", RETRIES, clock=late)
    assert letter.status == "given_up"


def test_a_claim_takes_no_more_of_one_organization_than_its_bound() -> None:
    units, kari = _units()
    for _ in range(mail.PER_ORG + 3):
        _enqueue(units, kari)
    ola_units, ola = _units()
    units.store.users.update(ola_units.store.users)
    units.store.languages.update(ola_units.store.languages)
    _enqueue(units, ola)
    claimed = mail.claim(units, 100, lease_seconds=10)
    by_org = [e.org_id for e in claimed]
    assert by_org.count(kari.org_id) == mail.PER_ORG
    assert by_org.count(ola.org_id) == 1
    mail.settle(units, claimed[0], None, RETRIES)
    assert [e.org_id for e in mail.claim(units, 100, lease_seconds=10)] == [kari.org_id]
