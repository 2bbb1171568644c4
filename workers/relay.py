"""The webhook relay, ``python -m workers.relay``: sends the outbox's deliveries.

It waits on ``NOTIFY bulkreg_deliveries`` (sent at the commit of a change that queued a
delivery), so an event reaches its receivers within a round trip of its commit; between
notifications it wakes when the next retry is due. Several relays may run: each claims its
batch under a short lease with ``SKIP LOCKED``. SIGTERM lets the batch in flight finish.

Why a process of its own rather than a Celery task: a Celery message per event would load
the broker even for organizations that have no webhook; the relay costs nothing until a
delivery is queued, and the outbox row (not a message) is what guarantees the delivery.

Each attempt re-checks the URL's addresses and connects to the address it checked (the
``Host`` header and TLS's SNI keep the name), so a DNS answer that changes after the check
cannot send the request inside. Redirects are not followed; the response's body is not read.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from bulkreg import composition_root
from bulkreg.foundation.logs import configure
from bulkreg.foundation.settings import Settings, get_settings
from domain.errors import ValidationFailed
from domain.ports import Outgoing, Sent
from domain.services import relay
from domain.webhooks import RETENTION_DAYS, Target, check_url, signature

log = logging.getLogger("bulkreg.relay")
BATCH = 50
SENDERS = 8
IDLE_SECONDS = 5.0
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


def send(client: httpx.Client, outgoing: Outgoing, allow_private: bool) -> Sent:
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        target = check_url(outgoing.url, allow_private=allow_private)
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
    try:
        with client.stream(
            "POST", url, content=body, headers=headers, extensions=extensions
        ) as response:
            code = response.status_code
    except httpx.TimeoutException:
        return Sent(None, "timed out", took())
    except httpx.HTTPError as error:
        return Sent(None, f"{type(error).__name__}: {error}"[:500], took())
    return Sent(code, None if 200 <= code < 300 else f"HTTP {code}", took())


class Relay:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.uows = composition_root.worker_uows()
        self.stopping = threading.Event()
        self.client = httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False
        )
        self.pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="relay-send")
        self._listener: psycopg.Connection[Any] | None = None

    def send_all(self, batch: Sequence[Outgoing]) -> list[Sent]:
        allow = self.settings.private_webhooks
        return list(self.pool.map(lambda o: send(self.client, o, allow), batch))

    def round(self) -> int:
        return relay.deliver_due(
            self.uows,
            self.send_all,
            limit=BATCH,
            lease_seconds=self.settings.webhook_timeout_seconds * 2 + 5,
            base_seconds=self.settings.webhook_retry_base_seconds,
            window=timedelta(hours=self.settings.webhook_retry_hours),
        )

    def _wait(self, seconds: float) -> None:
        """Until notified, ``seconds`` pass, or a stop; in slices, so a stop is seen soon."""
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            if self._listener is None:
                self._listener = composition_root.deliveries_listener()
            if composition_root.wait_for_deliveries(self._listener, min(left, 1.0)):
                return

    def run(self) -> None:
        log.info("relay: sending webhook deliveries")
        expired_at = 0.0
        while not self.stopping.is_set():
            try:
                if time.monotonic() - expired_at > EXPIRE_EVERY_SECONDS:
                    relay.expire_events(self.uows, RETENTION_DAYS)
                    expired_at = time.monotonic()
                if self.round() == BATCH:
                    continue
                due = relay.next_due_in(self.uows)
                self._wait(IDLE_SECONDS if due is None else min(due, IDLE_SECONDS))
            except Exception as error:  # the database or the network: log, pause, go on
                log.warning("relay: %s: %s; trying again shortly", type(error).__name__, error)
                if self._listener is not None:
                    self._listener.close()
                    self._listener = None
                self.stopping.wait(1.0)
        log.info("relay: stopped")

    def close(self) -> None:
        self.pool.shutdown()
        self.client.close()
        if self._listener is not None:
            self._listener.close()


def main() -> None:
    settings = get_settings()
    configure(settings.log_format)
    worker = Relay(settings)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stopping.set())
    try:
        worker.run()
    finally:
        worker.close()


if __name__ == "__main__":
    main()
