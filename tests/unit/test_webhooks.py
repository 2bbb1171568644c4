"""Signing as the Standard Webhooks specification says, the addresses a webhook may call,
and the relay's back-off."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from domain.errors import ValidationFailed
from domain.ports.webhooks import Outgoing
from domain.services.relay import Retries, retry_at
from domain.webhooks import Event, Resolver, check_types, check_url, matches, new_secret, signature

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_a_signature_verifies_with_an_independent_implementation() -> None:
    secret = new_secret()
    body = json.dumps({"id": "evt_1", "type": "anomaly.opened"}).encode()
    stamp = int(time.time())  # the verifier refuses a timestamp five minutes off
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature(secret, "evt_1", stamp, body),
    }
    verifier = Verifier(secret)
    assert verifier.verify(body, headers) == {"id": "evt_1", "type": "anomaly.opened"}
    with pytest.raises(Exception, match="signature"):
        verifier.verify(body + b" ", headers)  # any change of the body breaks it
    assert signature(new_secret(), "evt_1", stamp, body) != headers["webhook-signature"]


def _resolving(*addresses: str) -> Resolver:
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.7",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fc00::1",
        "fe80::1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",  # 6to4, carrying 127.0.0.1
        "2002:a00:7::",  # 6to4, carrying 10.0.0.7
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, its client 127.0.0.1
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValidationFailed, match="refused"):
        check_url("https://hooks.example.org/in", allow_private=False, resolver=_resolving(address))
    target = check_url(
        "https://hooks.example.org/in", allow_private=True, resolver=_resolving(address)
    )
    assert target.address == address


def test_a_6to4_address_is_judged_by_the_ipv4_address_it_carries() -> None:
    public = check_url(  # 93.184.216.34
        "https://a.example.org/", allow_private=False, resolver=_resolving("2002:5db8:d822::")
    )
    assert public.address == "2002:5db8:d822::"


def test_every_address_of_the_host_is_checked_not_only_the_first() -> None:
    with pytest.raises(ValidationFailed):
        check_url(
            "https://a.example.org/",
            allow_private=False,
            resolver=_resolving("93.184.216.34", "10.0.0.1"),
        )
    target = check_url(
        "https://a.example.org:8443/x?y=1",
        allow_private=False,
        resolver=_resolving("93.184.216.34"),
    )
    assert (target.host, target.port, target.address) == ("a.example.org", 8443, "93.184.216.34")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example.org/",
        "file:///etc/passwd",
        "https://",
        "https://u:p@a.example.org/",
        "http://[::ffff:127.1]/",  # urlsplit itself refuses it
        "https://a.example.org:99999/",
        "https://a.example.org/in\r\nX-Injected: 1",
        "https://a.example.org/in path",
        "https://a.example.org/\x1b[31m",
        "https://a.example.org/\u202egnp.exe",
    ],
)
def test_only_http_urls_with_a_host_and_no_credentials(url: str) -> None:
    with pytest.raises(ValidationFailed):
        check_url(url, allow_private=True, resolver=_resolving("93.184.216.34"))


def test_type_patterns() -> None:
    assert matches("*", "anomaly.opened") and matches("anomaly.*", "anomaly.resolved")
    assert not matches("anomaly.*", "bulk_registration.failed")
    assert matches("bulk_registration.failed", "bulk_registration.failed")
    assert check_types(["anomaly.*", "anomaly.*", "*"]) == ["anomaly.*", "*"]
    with pytest.raises(ValidationFailed):
        check_types(["job.done"])


def _outgoing(attempt: int, queued: datetime) -> Outgoing:
    event = Event("evt_1", uuid4(), "anomaly.opened", queued, {})
    return Outgoing(uuid4(), attempt, "https://a.example.org/", new_secret(), event, queued)


def test_back_off_doubles_then_gives_up_after_the_window() -> None:
    retries = Retries(base_seconds=5, window=timedelta(hours=24))
    delays = [(retry_at(_outgoing(n, NOW), NOW, retries) or NOW) - NOW for n in (1, 2, 3, 4)]
    assert [d.total_seconds() for d in delays] == [5, 10, 20, 40]
    capped = retry_at(_outgoing(30, NOW), NOW, retries)
    assert capped == NOW + timedelta(hours=1)
    late = NOW + timedelta(hours=23, minutes=59)
    assert retry_at(_outgoing(12, NOW), late, retries) is None
