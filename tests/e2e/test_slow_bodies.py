"""A request body that stops short of its Content-Length is answered 408 by the server itself,
not held until the client gives up."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.stack import Stack


def answer_to_a_stalled_body(stack: Stack, token: str) -> tuple[int, dict[str, Any]]:
    where = urlsplit(stack.api)
    sent = b'{"activity'  # 10 of the 200 bytes declared; then nothing
    head = (
        f"POST /v1/bulk-registrations HTTP/1.1\r\nHost: {where.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        "Content-Length: 200\r\n\r\n"
    ).encode()
    with socket.create_connection((where.hostname, where.port)) as sock:
        sock.settimeout(60)  # a server that never answers fails the test here
        sock.sendall(head + sent)
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        header, body = received.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":", 1)[1])
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += sock.recv(65536)
    status = int(header.split(b" ", 2)[1])
    return status, json.loads(body)


def test_a_body_that_stalls_is_answered_408(stack: Stack, first_org: dict[str, Any]) -> None:
    status, problem = answer_to_a_stalled_body(stack, first_org["coordinators"][0]["token"])
    assert (status, problem["code"]) == (408, "request_timeout")
    assert "send it again" in problem["detail"]
    assert httpx.get(f"{stack.api}/healthz").status_code == 200
