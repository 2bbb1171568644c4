"""An identity provider's JSON Web Key Set, cached so that no request queues behind a fetch.

PyJWT parses and verifies (``jwt.PyJWKSet``); this module only decides *when* to fetch, which
PyJWT's own ``PyJWKClient`` decides in a way a hostile caller can exploit: its fetches are
serialized by a lock that every request with an unknown ``kid`` waits on, its timeout bounds
each socket read rather than the fetch, and a failed fetch does not start its cooldown. With a
key-set server that dribbles, 45 tokens with made-up key ids took every worker thread of the
API. Here:

* a fetch has a deadline for the whole of it (connect, send, every byte of the answer) and a
  size limit;
* only one request fetches at a time, and no other waits for it: a key the cached set holds is
  served from it (stale or not), and an unknown key while another request fetches is a quick
  ``Unavailable`` (503, try again);
* every attempt, failed or not, starts the cooldown: within it an unknown key is ``Unauthenticated``
  after a good fetch, ``Unavailable`` after a failed one — never another fetch;
* a set older than its lifespan is fetched again in the background by the request that notices,
  while that request is served from the set it has.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import httpx
import jwt

from domain.errors import Unauthenticated, Unavailable

MAX_KEY_SET_BYTES = 1 << 20


@dataclass(frozen=True)
class Fetched:
    keys: jwt.PyJWKSet | None  # None: the last attempt failed
    at: float


class KeySet:
    def __init__(self, url: str, *, lifespan: float, deadline: float, cooldown: float) -> None:
        self.url = url
        self.lifespan = lifespan
        self.deadline = deadline
        self.cooldown = cooldown
        self._good: Fetched | None = None  # the last set fetched and parsed
        self._last: Fetched | None = None  # the last attempt, good or failed
        self._fetching = threading.Lock()

    def signing_key(self, kid: str | None) -> jwt.PyJWK:
        """The key named ``kid``, from the cached set when it has it."""
        good = self._good
        if good is not None and (key := self._find(good, kid)) is not None:
            if time.monotonic() - good.at > self.lifespan:
                self._refresh_in_background()
            return key
        last = self._last
        if last is not None and time.monotonic() - last.at < self.cooldown:
            if last.keys is None:
                raise Unavailable("the identity provider's key set cannot be fetched")
            raise Unauthenticated("invalid token: the identity provider has no such key")
        if not self._fetching.acquire(blocking=False):
            raise Unavailable("the identity provider's key set is being fetched; try again")
        try:
            fetched = self._fetch()
        finally:
            self._fetching.release()
        if fetched.keys is None:
            raise Unavailable("the identity provider's key set cannot be fetched")
        if (key := self._find(fetched, kid)) is None:
            raise Unauthenticated("invalid token: the identity provider has no such key")
        return key

    @staticmethod
    def _find(fetched: Fetched, kid: str | None) -> jwt.PyJWK | None:
        if fetched.keys is None:
            return None
        for key in fetched.keys.keys:
            if key.key_id == kid and key.public_key_use in (None, "sig"):
                return key
        return None

    def _refresh_in_background(self) -> None:
        last = self._last
        if last is not None and time.monotonic() - last.at < self.cooldown:
            return
        if not self._fetching.acquire(blocking=False):
            return

        def refresh() -> None:
            try:
                self._fetch()
            finally:
                self._fetching.release()

        threading.Thread(target=refresh, name="key-set-refresh", daemon=True).start()

    def _fetch(self) -> Fetched:
        """One attempt, bounded by ``deadline`` as a whole; the caller holds the lock."""
        try:
            keys: jwt.PyJWKSet | None = jwt.PyJWKSet.from_dict(json.loads(self._within_deadline()))
        except (httpx.HTTPError, OSError, ValueError, jwt.PyJWTError):
            keys = None
        fetched = Fetched(keys, time.monotonic())
        self._last = fetched
        if keys is not None:
            self._good = fetched
        return fetched

    def _within_deadline(self) -> bytes:
        """The download runs in a thread of its own, so that the caller is back at the
        deadline even when a socket read would still wait: httpx's timeouts bound each
        phase and each read, not the whole. A download abandoned at the deadline ends by
        itself at its next read's timeout."""
        done: list[bytes | BaseException] = []

        def download() -> None:
            try:
                done.append(self._download())
            except BaseException as error:
                done.append(error)

        thread = threading.Thread(target=download, name="key-set-fetch", daemon=True)
        thread.start()
        thread.join(self.deadline)
        if not done:
            raise TimeoutError("the key set took too long")
        if isinstance(done[0], BaseException):
            raise done[0]
        return done[0]

    def _download(self) -> bytes:
        ends = time.monotonic() + self.deadline
        body = bytearray()
        with (
            httpx.Client(timeout=self.deadline, follow_redirects=False) as client,
            client.stream("GET", self.url, headers={"Accept": "application/json"}) as answer,
        ):
            answer.raise_for_status()
            for chunk in answer.iter_raw():
                body += chunk
                if len(body) > MAX_KEY_SET_BYTES:
                    raise ValueError("the key set is too large")
                if time.monotonic() > ends:
                    raise TimeoutError("the key set took too long")
        if time.monotonic() > ends:
            raise TimeoutError("the key set took too long")
        return bytes(body)
