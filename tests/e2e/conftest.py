"""The stack exactly as ``make run`` starts it (``bulkreg up`` on the embedded default),
in a data dir and on ports of its own, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    s = start_stack("e2e")
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
