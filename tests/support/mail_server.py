"""A real SMTP server (aiosmtpd) that a test may stop and start again on the same port, and
that can be made slow for some recipients: it accepts their connection and then holds the
dialogue (at ``RCPT TO``) until the test opens the gate. The test waits for events (a message
kept, a sender held), never for a time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.inbox import Inbox
from tests.support.net import free_port


class GatedInbox(Inbox):
    def __init__(self) -> None:
        super().__init__()
        self.slow_for: set[str] = set()  # lower-cased addresses whose senders are held
        self.gate = threading.Event()
        self.held = 0  # senders held at the gate now
        self.controller: Controller | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.slow_for and not self.gate.is_set():
            with self.changed:
                self.held += 1
                self.changed.notify_all()
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
            finally:
                with self.changed:
                    self.held -= 1
                    self.changed.notify_all()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def gated_smtp_server() -> Iterator[GatedInbox]:
    inbox = GatedInbox()
    inbox.port = free_port()
    inbox.start()
    try:
        yield inbox
    finally:
        inbox.gate.set()  # no sender stays held
        inbox.stop()
