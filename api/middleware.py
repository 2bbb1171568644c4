"""ASGI middleware of the API: small, and in front of every request.

* ``BodyLimit`` refuses a request body over ``BULKREG_MAX_BODY_BYTES`` while it streams in —
  at its first read when ``Content-Length`` already says so, else as soon as the count
  passes the limit — so a huge body never sits in memory. It only acts when something reads
  the body: a request refused before (a bad token, say) is answered for that reason.
  Starlette's own ``RequestBodyLimitMiddleware`` answers a declared-too-large body with a
  plain-text 413 even when the app answered otherwise first; ours raises an
  ``HTTPException`` that the app's problem+json handler renders.
  It also bounds the body in time: a body whose next bytes do not arrive within
  ``BULKREG_BODY_IDLE_SECONDS``, or that is not all in within ``BULKREG_BODY_SECONDS``, is
  answered 408 — a client that declares more than it sends (or sends a byte now and then)
  cannot hold a connection and a worker thread until it gives up.
* ``FrameGuard`` forbids framing the status screen (clickjacking): every ``/ui/`` response
  carries ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``.

Both are pure ASGI (no ``BaseHTTPMiddleware``): they cost the poll next to nothing.
"""

from __future__ import annotations

import asyncio
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCREEN_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyTooSlow(HTTPException):
    def __init__(self) -> None:
        super().__init__(408, "the request body did not arrive in time; send it again")


class BodyLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, idle_seconds: float = 5.0, total_seconds: float = 60.0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self.total_seconds = total_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        too_large = declared.isdigit() and int(declared) > self.max_bytes
        seen = 0
        ends = time.monotonic() + self.total_seconds

        async def limited() -> Message:
            nonlocal seen
            if too_large:
                raise BodyTooLarge(self.max_bytes)
            wait = min(self.idle_seconds, ends - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.0))
            except TimeoutError:
                raise BodyTooSlow() from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


class FrameGuard:
    def __init__(self, app: ASGIApp, prefix: str = "/ui") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SCREEN_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, guarded)
