"""A webhook receiver on a local HTTP server (pytest-httpserver): it verifies every
delivery's signature with an independent Standard Webhooks implementation (the
``standardwebhooks`` package), can be told to fail its first attempts, and keeps what came."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook as Verifier
from werkzeug import Request, Response

PATH = "/hooks/bulkreg"
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    at: float  # time.time() when it arrived


@dataclass
class Receiver:
    url: str
    secret: str | None = None
    fail_first: int = 0
    attempts: int = 0
    accepted: list[Received] = field(default_factory=list)
    refused_signatures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: Request) -> Response:
        arrived = time.time()
        body = request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return Response("try later", status=503)
            try:
                assert self.secret is not None
                Verifier(self.secret).verify(body, headers)
            except Exception:  # any failure to verify is counted, and refused
                self.refused_signatures += 1
                return Response("bad signature", status=400)
            self.accepted.append(Received(headers, json.loads(body), arrived))
        return Response(status=204)

    def event_ids(self) -> list[str]:
        with self._lock:
            return [r.body["id"] for r in self.accepted]


@contextmanager
def receiving(fail_first: int = 0) -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        receiver = Receiver(server.url_for(PATH), fail_first=fail_first)
        server.expect_request(PATH, method="POST").respond_with_handler(receiver.handle)
        yield receiver
    finally:
        server.clear()
        server.stop()
