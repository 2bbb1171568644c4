"""The identity provider's key set: one fetch at a time, nobody waiting behind it, a deadline
for the whole fetch, and a cooldown that a failure starts too. Served by a local HTTP server
that the tests hold, release or fail at will."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.keyset import KeySet
from domain.errors import Unauthenticated, Unavailable
from tests.support.keyset import KeySet as Published
from tests.support.keyset import SigningKey, serve_key_set

LONG = 3600.0  # a lifespan or cooldown no test outlives


@pytest.fixture
def published() -> Iterator[Published]:
    with serve_key_set(Published([SigningKey.generate("rsa-1", "RS256")])) as served:
        yield served


def cache(published: Published, *, cooldown: float = LONG, deadline: float = 30.0) -> KeySet:
    return KeySet(published.url, lifespan=LONG, deadline=deadline, cooldown=cooldown)


def test_a_known_key_is_served_from_the_set_fetched_once(published: Published) -> None:
    keys = cache(published)
    assert keys.signing_key("rsa-1").key_id == "rsa-1"
    assert keys.signing_key("rsa-1").key_id == "rsa-1"
    assert published.fetches == 1


def test_an_unknown_key_within_the_cooldown_is_refused_without_a_fetch(
    published: Published,
) -> None:
    keys = cache(published)
    keys.signing_key("rsa-1")
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            keys.signing_key("made-up")
    assert published.fetches == 1


def test_a_rotated_key_is_fetched_after_the_cooldown(published: Published) -> None:
    keys = cache(published, cooldown=0.0)
    keys.signing_key("rsa-1")
    published.keys.append(SigningKey.generate("rsa-2", "RS256"))
    assert keys.signing_key("rsa-2").key_id == "rsa-2"
    assert published.fetches == 2


def test_a_failed_fetch_starts_the_cooldown_and_the_cached_set_still_serves(
    published: Published,
) -> None:
    keys = cache(published)
    keys.signing_key("rsa-1")
    keys._last = None  # the cooldown of that good fetch is over
    published.failing = True
    with pytest.raises(Unavailable):
        keys.signing_key("rsa-2")
    for _ in range(5):  # a failure starts the cooldown: no fetch, the same quick answer
        with pytest.raises(Unavailable):
            keys.signing_key("rsa-3")
    assert published.fetches == 2
    assert keys.signing_key("rsa-1").key_id == "rsa-1"  # what was fetched before still serves


def test_nobody_waits_behind_a_hanging_fetch(published: Published) -> None:
    """While one request's fetch hangs, the others are answered at once: a key the cache
    holds is served, an unknown one is 'try again' — none fetches, none waits."""
    keys = cache(published, cooldown=0.0)
    keys.signing_key("rsa-1")
    answers: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as fetcher:
        with published.hanging():
            hanging = fetcher.submit(keys.signing_key, "rsa-2")
            assert published.asked.wait(30)
            for kid in ["made-up"] * 20:
                try:
                    keys.signing_key(kid)
                except Unavailable:
                    answers.append("try again")
            assert keys.signing_key("rsa-1").key_id == "rsa-1"
            assert not hanging.done()  # all of that while the fetch still hung
        with pytest.raises(Unauthenticated):  # released: the set has no rsa-2
            hanging.result(timeout=30)
    assert answers == ["try again"] * 20
    assert published.fetches == 2


def test_a_fetch_that_hangs_ends_at_its_deadline(published: Published) -> None:
    """The server answers only when the test lets it, and the test lets it only after the
    call returned: the call can return only through its own deadline."""
    keys = cache(published, deadline=0.5)
    returned = threading.Event()
    with published.hanging():
        with pytest.raises(Unavailable):
            keys.signing_key("rsa-1")
        returned.set()
    assert returned.is_set()
    assert published.fetches == 1
