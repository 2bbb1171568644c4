"""A hostile webhook receiver: it reads the request, then answers one byte at a time, a
byte every half second, in a header that never ends until the test releases it — a
connection that never goes quiet long enough for a per-read timeout."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

HEAD = b"HTTP/1.1 204 No Content\r\nX-Slowly: "
TAIL = b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BYTE_EVERY_SECONDS = 0.5


@dataclass
class Dribbler:
    url: str = ""
    connections: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, conn: socket.socket) -> None:
        with conn:
            with self._lock:
                self.connections += 1
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            try:
                for byte in HEAD:
                    conn.sendall(bytes([byte]))
                    self.released.wait(BYTE_EVERY_SECONDS)
                while not self.released.is_set():
                    conn.sendall(b"z")
                    self.released.wait(BYTE_EVERY_SECONDS)
                conn.sendall(TAIL)
            except OSError:  # the sender gave up: what this receiver is for
                return


@contextmanager
def dribbling() -> Iterator[Dribbler]:
    dribbler = Dribbler()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    dribbler.url = f"http://127.0.0.1:{server.getsockname()[1]}/hooks/slow"
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=dribbler.serve, args=(conn,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield dribbler
    finally:
        dribbler.released.set()
        stop.set()
        acceptor.join(timeout=5)
        server.close()
