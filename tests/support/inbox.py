"""A real SMTP server for the tests (aiosmtpd), on a free loopback port: it keeps every
message it is sent, and a test waits for the ones it expects with a deadline — never for a
time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.net import free_port


class Inbox:
    """What the server has received, in order; ``wait`` for what a test expects."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.changed = threading.Condition()
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.changed:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait(
        self, wanted: Callable[[list[EmailMessage]], Any], timeout: float = 60
    ) -> list[EmailMessage]:
        """The messages once ``wanted`` holds of them; fails when it does not by the deadline."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not wanted(list(self.messages)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such email within {timeout}s: {self.summary()}")
                self.changed.wait(left)
            return list(self.messages)

    def summary(self) -> list[str]:
        return [f"{m['To']}: {m['Subject']}" for m in self.messages]


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text part"
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no HTML part"
    return str(part.get_content())


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
