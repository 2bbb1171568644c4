"""The mail outbox on the real database: a job's notification written by the commit that
writes its event (and by nothing that rolls back), the submitter's choices heeded, mail that
no event causes written only to the caller, and the relay's round to a real SMTP server."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from bulkreg.foundation.mailserver import mail_server
from domain.ports.mail import OutgoingEmail
from domain.services import mail, relay
from persistence.uow import SqlUnitsOfWork
from tests.support.inbox import smtp_server, text_of
from tests.support.jobs import process, submit
from tests.support.orgs import Org
from workers.mail import send_email

RETRIES = relay.Retries(base_seconds=0.05, window=timedelta(hours=24))


def outbox(engine: Engine, job_id: UUID) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    """select e.*, (select v.id from events v where v.id = e.event_id) as event
                       from emails e where e.payload ->> 'job_id' = :job order by created_at"""
                ),
                {"job": str(job_id)},
            )
        )


def review_job(uows: SqlUnitsOfWork, org: Org) -> UUID:
    """The same people twice: the second job stops for review with conflicts."""
    people = org.peer_mentors[:3]
    assert process(uows, submit(uows, org, people)) is not None
    job_id = submit(uows, org, people)
    process(uows, job_id)
    return job_id


def test_a_job_that_needs_review_writes_one_email_to_its_submitter_with_its_event(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    job_id = review_job(uows, org)
    (email,) = outbox(superuser_engine, job_id)
    assert email.kind == "job_needs_review" and email.status == "pending"
    assert email.recipient_user_id == org.coordinator.user_id
    assert email.to_address == Org.email(org.coordinator.user_id)
    assert email.event is not None and email.event_id.startswith("evt_")
    assert email.payload["counts"]["conflict"] == 3
    names = [c["name"] for c in email.payload["conflicts"]]
    assert names == [Org.name(p) for p in org.peer_mentors[:3]]


def test_success_is_mailed_only_to_a_submitter_who_asked(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    quiet = submit(uows, org, org.peer_mentors[3:4])
    process(uows, quiet)
    assert outbox(superuser_engine, quiet) == []  # the first job of review_job: none either
    with superuser_engine.begin() as conn:
        conn.execute(
            text(
                "update users set notify_succeeded = true, notify_needs_review = false where id = :u"
            ),
            {"u": org.coordinator.user_id},
        )
    asked = submit(uows, org, org.peer_mentors[4:5])
    process(uows, asked)
    assert [e.kind for e in outbox(superuser_engine, asked)] == ["job_succeeded"]
    assert outbox(superuser_engine, review_job(uows, org)) == []  # said no to these


def test_mail_no_event_causes_goes_only_to_the_caller(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    payload = {"link": "http://x/ui/sign-in#k", "minutes": 15}
    with uows(org.coordinator) as uow:
        written = mail.enqueue_email(
            uow,
            org_id=org.id,
            recipient_user_id=org.coordinator.user_id,
            kind="sign_in_link",
            payload=payload,
        )
        uow.commit()
    assert written is not None
    with uows(org.coordinator) as uow:
        someone_else = mail.enqueue_email(
            uow,
            org_id=org.id,
            recipient_user_id=org.coordinator2.user_id,
            kind="sign_in_link",
            payload=payload,
        )
        uow.commit()
    assert someone_else is None
    with superuser_engine.connect() as conn:
        kinds = conn.execute(
            text(
                "select recipient_user_id from emails where kind = 'sign_in_link' and org_id = :o"
            ),
            {"o": org.id},
        ).scalars()
        assert list(kinds) == [org.coordinator.user_id]


def test_the_relay_sends_each_email_with_a_message_id_from_its_event(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    job_id = review_job(uows, org)
    (row,) = outbox(superuser_engine, job_id)
    with smtp_server() as inbox:
        sent = 0
        while not any(row.event_id in str(m["Message-ID"]) for m in inbox.messages):
            for email in mail.claim(uows, 50, lease_seconds=10):
                mail.settle(uows, email, _send(email, inbox.url), RETRIES)
                sent += 1
            assert sent < 500, "the email was never claimed"
    (message,) = [m for m in inbox.messages if row.event_id in str(m["Message-ID"])]
    assert message["Message-ID"] == f"<{row.event_id}@example.org>"
    assert f"/ui/jobs/{job_id}" in text_of(message)
    (after,) = outbox(superuser_engine, job_id)
    assert (after.status, after.attempts, after.last_error) == ("sent", 1, None)


def test_a_mail_server_that_is_not_there_leaves_the_email_for_a_later_attempt(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    job_id = review_job(uows, org)
    with smtp_server() as gone:
        url = gone.url  # a port nobody listens on once the server has stopped
    for email in mail.claim(uows, 50, lease_seconds=10):
        mail.settle(uows, email, _send(email, url), RETRIES)
    (row,) = outbox(superuser_engine, job_id)
    assert row.status == "pending" and row.attempts == 1 and row.last_error


def _send(email: OutgoingEmail, url: str) -> str | None:
    return asyncio.run(
        send_email(
            email,
            server=mail_server(url),
            mail_from="bulkreg <noreply@example.org>",
            links_base="http://127.0.0.1:8000",
            deadline=10,
        )
    )
