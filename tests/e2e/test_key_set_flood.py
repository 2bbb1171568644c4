"""A flood of tokens naming made-up keys while the identity provider's key set hangs: the
provider is asked once, every flooded request is answered "try again" without waiting for it,
and an ordinary user is served all the while."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api.tokens import KEY_SET_REFRESH_COOLDOWN_SECONDS
from tests.support.keyset import KeySet, SigningKey
from tests.support.stack import Stack

FLOOD = 45  # more than the API's worker threads (40)


def test_a_hanging_key_set_starves_nobody(
    stack: Stack, key_set: KeySet, first_org: dict[str, Any]
) -> None:
    made_up = [SigningKey.generate(f"made-up-{n}", "RS256") for n in range(3)]
    tokens = [made_up[n % 3].token(f"flood-{n}") for n in range(FLOOD)]
    ordinary = first_org["coordinators"][0]["token"]
    time.sleep(KEY_SET_REFRESH_COOLDOWN_SECONDS + 0.5)  # no earlier fetch's cooldown applies
    before = key_set.fetches

    def me(token: str) -> tuple[int, str]:
        with stack.client(token) as http:
            answer = http.get("/v1/me")
        return answer.status_code, answer.json().get("code", "")

    with key_set.hanging(), ThreadPoolExecutor(max_workers=FLOOD) as pool:
        flooded = list(pool.map(me, tokens))
        served = me(ordinary)

    assert served == (200, "")
    assert flooded == [(503, "unavailable")] * FLOOD
    assert key_set.fetches - before == 1  # the provider was asked once
