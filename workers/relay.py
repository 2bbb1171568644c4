"""The webhook relay, ``python -m workers.relay``: sends the outbox's deliveries.

It waits on ``NOTIFY bulkreg_deliveries`` (sent at the commit of a change that queued a
delivery), so an event reaches its receivers within a round trip of its commit; between
notifications it wakes when the next retry is due. Several relays may run: each claims under
a short lease with ``SKIP LOCKED``. SIGTERM lets the deliveries in flight end (each within
its deadline).

One receiver cannot hold up another's deliveries. Deliveries are sent concurrently (up to
``SENDERS`` at once, an asyncio task each), no more than ``relay.Bounds`` per webhook and per
organization; each has a deadline for the whole request (connect, send, answer: within
``BULKREG_WEBHOOK_TIMEOUT_SECONDS``, however slowly a receiver dribbles its answer), and its
outcome is recorded as soon as it is answered, not after a batch.

Mail servers are receivers too: the relay sends the mail outbox (``emails``) the same way,
with senders of its own (``MAIL_SENDERS``, so a slow or absent mail server never holds up a
webhook delivery, nor a delivery a mail server), no more than ``mail.PER_ORG`` of one
organization's messages in flight (so one organization's backlog cannot hold up another's),
each attempt within ``BULKREG_SMTP_TIMEOUT_SECONDS``, retried with the webhooks' back-off.
A mail server that is down only delays email: jobs never wait for it.

Why a process of its own rather than a Celery task: a Celery message per event would load
the broker even for organizations that have no webhook; the relay costs nothing until a
delivery is queued, and the outbox row (not a message) is what guarantees the delivery.

Each attempt re-checks the URL's addresses and connects to the address it checked (the
``Host`` header and TLS's SNI keep the name), so a DNS answer that changes after the check
cannot send the request inside. Redirects are not followed; the response's body is not read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from bulkreg import composition_root
from bulkreg.foundation.logs import configure
from bulkreg.foundation.settings import Settings, get_settings
from domain.errors import ValidationFailed
from domain.ports.mail import OutgoingEmail
from domain.ports.webhooks import Outgoing, Sent
from domain.services import mail, relay
from domain.webhooks import RETENTION_DAYS, Target, check_url, signature
from workers.mail import send_email

log = logging.getLogger("bulkreg.relay")
SENDERS = 16
MAIL_SENDERS = 8
BOUNDS = relay.Bounds(per_webhook=2, per_org=4)
IDLE_SECONDS = 5.0
BLOCKED_PAUSE_SECONDS = 0.25  # due deliveries held back by their bounds: look again soon
EXPIRE_EVERY_SECONDS = 3600.0
USER_AGENT = "bulkreg-webhooks/1"


def payload(outgoing: Outgoing) -> bytes:
    return json.dumps(outgoing.event.as_json(), separators=(",", ":")).encode()


def pinned(target: Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL with its host replaced by the checked address, the ``Host`` header and the
    TLS server name that keep the original name."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{address}:{target.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": target.host} if parts.scheme == "https" else {}
    return url, {"host": host}, extensions


async def send(
    client: httpx.AsyncClient, outgoing: Outgoing, allow_private: bool, deadline: float
) -> Sent:
    """One attempt, all of it (the address check, connecting, sending, the answer's status
    line and headers) within ``deadline`` seconds: httpx's timeouts bound each read, and a
    receiver that sends a byte now and then would never meet them."""
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(deadline):
            try:
                target = await asyncio.to_thread(
                    check_url, outgoing.url, allow_private=allow_private
                )
            except ValidationFailed as refused:
                return Sent(None, f"refused: {refused.errors[0].msg}", took())
            body = payload(outgoing)
            stamp = int(time.time())
            url, headers, extensions = pinned(target)
            headers |= {
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "webhook-id": outgoing.event.id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature(outgoing.secret, outgoing.event.id, stamp, body),
            }
            async with client.stream(
                "POST", url, content=body, headers=headers, extensions=extensions
            ) as response:
                code = response.status_code
    except (TimeoutError, httpx.TimeoutException):
        return Sent(None, "timed out", took())
    except httpx.HTTPError as error:
        return Sent(None, f"{type(error).__name__}: {error}"[:500], took())
    return Sent(code, None if 200 <= code < 300 else f"HTTP {code}", took())


def client_for(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS),
    )


class Relay:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.uows = composition_root.worker_uows()
        self.stopping = asyncio.Event()
        self.retries = relay.Retries(
            base_seconds=settings.webhook_retry_base_seconds,
            window=timedelta(hours=settings.webhook_retry_hours),
        )
        self.deadline = settings.webhook_timeout_seconds
        self.lease_seconds = self.deadline * 2 + 5  # outlasts any attempt and its record
        self.in_flight: set[asyncio.Task[None]] = set()
        self.mail_in_flight: set[asyncio.Task[None]] = set()
        self.mail_deadline = settings.smtp_timeout_seconds
        self.mail_lease_seconds = self.mail_deadline * 2 + 5
        self._listener: psycopg.Connection[Any] | None = None
        self._notified: asyncio.Task[bool] | None = None

    async def deliver(self, client: httpx.AsyncClient, outgoing: Outgoing) -> None:
        sent = await send(client, outgoing, self.settings.private_webhooks, self.deadline)
        try:
            await asyncio.to_thread(relay.settle, self.uows, outgoing, sent, self.retries)
        except Exception as error:  # the lease runs out and the delivery is sent again
            log.warning("relay: could not record an attempt (%s: %s)", type(error).__name__, error)

    async def fill(self, client: httpx.AsyncClient) -> int:
        """Claim as many due deliveries as there are free senders, and start them."""
        free = SENDERS - len(self.in_flight)
        batch = await asyncio.to_thread(
            relay.claim, self.uows, free, lease_seconds=self.lease_seconds, bounds=BOUNDS
        )
        for outgoing in batch:
            task = asyncio.create_task(self.deliver(client, outgoing))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return len(batch)

    async def post(self, email: OutgoingEmail) -> None:
        error = await send_email(
            email,
            server=self.settings.mail_server,
            mail_from=self.settings.mail_from,
            links_base=self.settings.links_base,
            deadline=self.mail_deadline,
        )
        if error is not None:
            log.info("relay: email %s not sent yet (%s)", email.email_id, error)
        try:
            await asyncio.to_thread(mail.settle, self.uows, email, error, self.retries)
        except Exception as failure:  # the lease runs out and the message is sent again
            log.warning(
                "relay: could not record an email (%s: %s)", type(failure).__name__, failure
            )

    async def fill_mail(self) -> int:
        """Claim as many due emails as there are free mail senders, and start them."""
        free = MAIL_SENDERS - len(self.mail_in_flight)
        batch = await asyncio.to_thread(
            mail.claim, self.uows, free, lease_seconds=self.mail_lease_seconds
        )
        for email in batch:
            task = asyncio.create_task(self.post(email))
            self.mail_in_flight.add(task)
            task.add_done_callback(self.mail_in_flight.discard)
        return len(batch)

    async def due_in(self) -> float | None:
        """Seconds until the next delivery or email is due (None: nothing pending)."""
        waits = [
            await asyncio.to_thread(relay.next_due_in, self.uows),
            await asyncio.to_thread(mail.next_due_in, self.uows),
        ]
        found = [w for w in waits if w is not None]
        return min(found) if found else None

    async def wait(self, seconds: float) -> None:
        """Until a delivery is queued, one in flight ends, ``seconds`` pass, or a stop."""
        if self._listener is None:
            self._listener = await asyncio.to_thread(composition_root.deliveries_listener)
        if self._notified is not None and self._notified.done():
            notified, self._notified = self._notified, None
            notified.result()  # a listener that failed raises here: the caller reconnects
        if self._notified is None:
            listener = self._listener
            self._notified = asyncio.create_task(
                asyncio.to_thread(composition_root.wait_for_deliveries, listener, 1.0)
            )
        stop = asyncio.create_task(self.stopping.wait())
        try:
            await asyncio.wait(
                {self._notified, stop, *self.in_flight, *self.mail_in_flight},
                timeout=seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            stop.cancel()

    async def run(self) -> None:
        log.info("relay: sending webhook deliveries and email")
        expired_at = 0.0
        async with client_for(self.settings) as client:
            while not self.stopping.is_set():
                try:
                    if time.monotonic() - expired_at > EXPIRE_EVERY_SECONDS:
                        await asyncio.to_thread(relay.expire_events, self.uows, RETENTION_DAYS)
                        expired_at = time.monotonic()
                    started = await self.fill(client)
                    posted = await self.fill_mail()
                    if (started and len(self.in_flight) < SENDERS) or (
                        posted and len(self.mail_in_flight) < MAIL_SENDERS
                    ):
                        continue  # there may be more
                    due = await self.due_in()
                    pause = IDLE_SECONDS if due is None else min(due, IDLE_SECONDS)
                    await self.wait(max(pause, BLOCKED_PAUSE_SECONDS))
                except Exception as error:  # the database or the network: log, pause, go on
                    log.warning("relay: %s: %s; trying again shortly", type(error).__name__, error)
                    await self._drop_listener()
                    await self.wait_stop(1.0)
            if self.in_flight or self.mail_in_flight:  # each ends within its deadline
                await asyncio.wait(self.in_flight | self.mail_in_flight)
        await self._drop_listener()
        log.info("relay: stopped")

    async def wait_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _drop_listener(self) -> None:
        if self._notified is not None:
            await asyncio.wait({self._notified})  # it returns within a second
            if not self._notified.cancelled():
                self._notified.exception()  # retrieved: the listener is replaced anyway
            self._notified = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None


def main() -> None:
    settings = get_settings()
    configure(settings.log_format)

    async def serve() -> None:
        worker = Relay(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stopping.set)
        await worker.run()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
