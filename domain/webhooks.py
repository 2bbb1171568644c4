"""Events and webhooks (docs/api.md, "Events and webhooks"): what an event is, which URLs a webhook may call, and
how a delivery is signed (the Standard Webhooks specification, followed to the letter).

Signing: the secret is ``whsec_`` + base64 of 32 random bytes; the signature of a delivery
is ``v1,`` + base64 of HMAC-SHA256, keyed with the secret's decoded bytes, of
``{webhook-id}.{webhook-timestamp}.{body}`` (the timestamp in whole seconds since the epoch).

Addresses: a URL must be ``http`` or ``https`` with a host; unless private addresses are
allowed (dev, tests), every address its host resolves to must be a public one. The check is
made when the webhook is created and again at every delivery, and the delivery connects to
the address that was checked (DNS rebinding gets nothing from a second lookup).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.errors import FieldError, ValidationFailed
from domain.text import OneLine

EVENT_TYPES = (
    "bulk_registration.queued",
    "bulk_registration.needs_review",
    "bulk_registration.succeeded",
    "bulk_registration.failed",
    "bulk_registration.cancelled",
    "bulk_registration.undone",
    "anomaly.opened",
    "anomaly.resolved",
)
PATTERNS = frozenset({*EVENT_TYPES, "bulk_registration.*", "anomaly.*", "*"})
SECRET_PREFIX = "whsec_"
RETENTION_DAYS = 30  # the feed keeps events this long (docs/api.md, "Events and webhooks")

TypePattern = Annotated[str, StringConstraints(max_length=64), OneLine]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000), OneLine]


def matches(pattern: str, event_type: str) -> bool:
    """As the database's trigger matches them (``app.emit_event`` in persistence/schema.sql)."""
    if pattern in ("*", event_type):
        return True
    return pattern.endswith(".*") and event_type.startswith(pattern[:-1])


class WebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Url
    types: list[TypePattern] = Field(min_length=1, max_length=len(PATTERNS))


@dataclass(frozen=True)
class Event:
    id: str
    org_id: UUID
    type: str
    created_at: datetime
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The event as the feed and the deliveries send it (docs/api.md, "Events and webhooks")."""
        return {
            "id": self.id,
            "type": self.type,
            "created_at": self.created_at.isoformat(),
            "org_id": str(self.org_id),
            "data": self.data,
        }


@dataclass(frozen=True)
class Webhook:
    id: UUID
    org_id: UUID
    url: str
    types: list[str]
    created_at: datetime
    secret: str | None = None  # shown once, when the webhook is created


@dataclass(frozen=True)
class Attempt:
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    id: UUID
    event_id: str
    event_type: str
    status: str
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: list[Attempt] = field(default_factory=list)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


Resolver = Callable[[str, int], Sequence[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refused_address(address: str) -> str | None:
    """Why a webhook may not call this address, or None when it is a public one."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address that carries an IPv4 one reaches that one: judged by it.
        carried = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        for inner in filter(None, carried):
            if reason := refused_address(str(inner)):
                return reason
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast:
        return "a private or reserved address"
    if ip.is_unspecified or not ip.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL as given, and the address checked for it."""

    url: str
    host: str
    port: int
    address: str


def check_url(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> Target:
    """The URL's target, its host resolved and every address checked; raises
    ``ValidationFailed`` naming ``url`` otherwise."""
    loc = ("body", "url")
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in url):
        raise ValidationFailed(
            [FieldError(loc, "must not contain spaces, line breaks or control characters")]
        )
    try:
        parts = urlsplit(url)
        hostname, given_port = parts.hostname, parts.port
    except ValueError:  # a bracketed host that is no IPv6 address, a port out of range
        raise ValidationFailed([FieldError(loc, "is not a valid URL")]) from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise ValidationFailed([FieldError(loc, "must be an http or https URL with a host")])
    if parts.username or parts.password:
        raise ValidationFailed([FieldError(loc, "must not carry a user name or password")])
    try:
        port = given_port or (443 if parts.scheme == "https" else 80)
        addresses = resolver(hostname, port)
    except (ValueError, OSError) as error:
        raise ValidationFailed([FieldError(loc, f"cannot be resolved: {error}")]) from None
    if not addresses:
        raise ValidationFailed([FieldError(loc, "its host has no address")])
    if not allow_private:
        for address in addresses:
            reason = refused_address(address)
            if reason:
                raise ValidationFailed(
                    [FieldError(loc, f"points at {reason} ({address}); refused")]
                )
    return Target(url, hostname, port, addresses[0])


def check_types(types: Sequence[str]) -> list[str]:
    unknown = [t for t in types if t not in PATTERNS]
    if unknown:
        known = ", ".join(sorted(PATTERNS))
        message = f"unknown event type(s) {unknown}; known: {known}"
        raise ValidationFailed([FieldError(("body", "types"), message)])
    return list(dict.fromkeys(types))
