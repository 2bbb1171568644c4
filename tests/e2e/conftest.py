"""The stack exactly as ``make run`` starts it (``bulkreg up`` on the embedded default),
in a data dir and on ports of its own, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import launched, opened
from tests.support.keyset import AUDIENCE, ISSUER, KeySet, SigningKey, serve_key_set
from tests.support.stack import Stack, start_stack


@pytest.fixture(scope="session")
def key_set() -> Iterator[KeySet]:
    """An identity provider's key set, served before the stack starts (it is configured
    with its URL): an RS256 and an ES256 key."""
    keys = KeySet([SigningKey.generate("rsa-1", "RS256"), SigningKey.generate("ec-1", "ES256")])
    with serve_key_set(keys) as served:
        yield served


@pytest.fixture(scope="session")
def stack(key_set: KeySet) -> Iterator[Stack]:
    s = start_stack(
        "e2e",
        extra_env={
            "BULKREG_JWT_JWKS_URL": key_set.url,
            "BULKREG_JWT_ISSUER": ISSUER,
            "BULKREG_JWT_AUDIENCE": AUDIENCE,
        },
    )
    yield s
    s.stop()


@pytest.fixture(scope="session")
def demo(stack: Stack) -> dict[str, Any]:
    return stack.demo


@pytest.fixture(scope="session")
def first_org(demo: dict[str, Any]) -> dict[str, Any]:
    return dict(demo["organizations"][0])


@pytest.fixture(scope="session")
def coordinator(stack: Stack, first_org: dict[str, Any]) -> httpx.Client:
    return stack.client(first_org["coordinators"][0]["token"])


# The screen's tests: a browser for each module, and a page in it at a desktop's or a phone's
# size. A module with a stack of its own overrides ``stack`` (or ``page``).
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    with opened(browser, stack.api) as p:
        yield p


@pytest.fixture
def phone(browser: Browser, stack: Stack) -> Iterator[Page]:
    with opened(browser, stack.api, phone=True) as p:
        yield p
