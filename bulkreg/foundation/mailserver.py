"""Which mail server the relay sends to, and how it protects the connection.

The rule, from ``BULKREG_SMTP_URL``:

* ``smtps://[user[:password]@]host[:465]``: TLS from the first byte (implicit TLS).
* ``smtp://[user[:password]@]host[:587]``: STARTTLS, required — a server that does not offer
  it gets nothing, so neither the password nor the message crosses the network in the clear.
* ``smtp://`` to a loopback address (``127.0.0.0/8``, ``::1``, ``localhost``) without a user:
  no TLS. That is the development catcher (``bulkreg up`` with no URL set) and a test's
  server; nothing leaves the machine.

The password may come from ``BULKREG_SMTP_PASSWORD`` instead of the URL (a URL ends up in
process listings and logs more easily than a variable of its own).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

Security = Literal["implicit_tls", "starttls", "none"]
DEFAULT_PORTS = {"smtps": 465, "smtp": 587}


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"MailServer({self.host}:{self.port}, {self.security}, user={self.username!r})"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mail_server(url: str, password: str | None = None) -> MailServer:
    """The server ``url`` names; ``ValueError`` for one the rule above does not allow."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("BULKREG_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("BULKREG_SMTP_URL names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("BULKREG_SMTP_URL is scheme://user@host:port and nothing more")
    username = unquote(parts.username) if parts.username else None
    secret = password or (unquote(parts.password) if parts.password else None)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    security: Security
    if parts.scheme == "smtps":
        security = "implicit_tls"
    elif username is None and is_loopback(parts.hostname):
        security = "none"
    else:
        security = "starttls"
    return MailServer(parts.hostname, port, security, username, secret)
