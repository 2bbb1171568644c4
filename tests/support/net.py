"""Ports for the servers a test or a benchmark starts."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port free at this moment (the caller binds it soon after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
