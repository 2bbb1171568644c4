"""The OpenID provider of the screen's single sign-on, as the screen talks to it: its
discovery document and key set, the authorization code flow with PKCE, and the ID token
verified.

Authlib builds the requests (the authorization URL with its S256 code challenge, the token
request and its client authentication) and validates the ID token's claims (issuer,
audience, expiry, nonce, ``azp``, ``at_hash``); joserfc, Authlib's own JOSE library, checks
its signature against the provider's key set. Nothing here verifies a token by hand.

The provider is someone else's server, so it is treated as ``api.keyset`` treats a key set:
each document (discovery, keys) is cached; a fetch, like the token request, has a deadline
for the whole of it; only one request fetches a document at a time and no other waits for it
(a cached copy serves, else a quick ``ProviderUnavailable``); every attempt starts a cooldown
within which the document is not fetched again; a stale copy is refreshed in the background.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import httpx
from authlib.common.urls import add_params_to_qs
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from joserfc.jws import JWSRegistry

# The whole of one exchange with the provider (connect, send, every byte of the answer).
DEADLINE_SECONDS = 5.0
DOCUMENT_LIFESPAN_SECONDS = 300.0
# After an attempt, good or failed, a document is not fetched again for this long: a burst of
# sign-ins while the provider is down gets a quick page, not a queue of fetches.
COOLDOWN_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1 << 20
CLOCK_SKEW_SECONDS = 60
# Asymmetric signatures only: an HS256 ID token would be signed with the client secret, which
# a public client does not have, and "none" is no signature.
SIGNATURE_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip

T = TypeVar("T")


class ProviderUnavailable(Exception):
    """The provider did not answer in time, or not with what a provider answers."""


class SignInRefused(Exception):
    """The provider answered, but its answer signs nobody in (a refused code, a token whose
    signature, issuer, audience, expiry or nonce does not hold)."""


@dataclass(frozen=True)
class Attempt:
    """What one sign-in carries from the start to the callback."""

    state: str
    nonce: str
    code_verifier: str


def within_deadline(deadline: float, work: Callable[[], T]) -> T:
    """``work`` in a thread of its own, so that the caller is back at the deadline even when
    a socket read would still wait: httpx's timeouts bound each phase and each read, not the
    whole. Work abandoned at the deadline ends by itself at its next read's timeout."""
    done: list[T | BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as error:
            done.append(error)

    thread = threading.Thread(target=run, name="openid-provider", daemon=True)
    thread.start()
    thread.join(deadline)
    if not done:
        raise ProviderUnavailable("the provider took too long")
    if isinstance(done[0], BaseException):
        raise done[0]
    return done[0]


def download(url: str, deadline: float) -> dict[str, Any]:
    """A JSON object from ``url``, at most ``MAX_DOCUMENT_BYTES``."""
    body = bytearray()
    with (
        httpx.Client(timeout=deadline, follow_redirects=False) as client,
        client.stream("GET", url, headers={"Accept": "application/json"}) as answer,
    ):
        answer.raise_for_status()
        for chunk in answer.iter_bytes():  # decoded: a gzipped answer is counted as it opens
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ValueError("the document is too large")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("the document is not a JSON object")
    return document


class Document(Generic[T]):
    """One of the provider's JSON documents, cached as ``parse`` reads it (see the module's
    docstring)."""

    def __init__(self, url: Callable[[], str], parse: Callable[[dict[str, Any]], T]) -> None:
        self._url = url
        self._parse = parse
        self._good: tuple[T, float] | None = None
        self._tried_at: float | None = None
        self._fetching = threading.Lock()

    def current(self) -> T:
        good = self._good
        if good is not None:
            if time.monotonic() - good[1] > DOCUMENT_LIFESPAN_SECONDS:
                self._refresh_in_background()
            return good[0]
        return self.refreshed()

    def refreshed(self) -> T:
        """A copy fetched now, unless one was tried within the cooldown or is being fetched:
        then the cached copy, or ``ProviderUnavailable`` when there is none."""
        tried = self._tried_at
        if (tried is not None and time.monotonic() - tried < COOLDOWN_SECONDS) or not (
            self._fetching.acquire(blocking=False)
        ):
            if self._good is None:
                raise ProviderUnavailable("the provider's document cannot be had now")
            return self._good[0]
        try:
            return self._fetch()
        finally:
            self._fetching.release()

    def _refresh_in_background(self) -> None:
        tried = self._tried_at
        if tried is not None and time.monotonic() - tried < COOLDOWN_SECONDS:
            return
        if not self._fetching.acquire(blocking=False):
            return

        def refresh() -> None:
            try:
                self._fetch()
            except ProviderUnavailable:
                pass  # the cached copy serves; the next stale use tries again
            finally:
                self._fetching.release()

        threading.Thread(target=refresh, name="openid-document", daemon=True).start()

    def _fetch(self) -> T:
        """One attempt; the caller holds the lock."""
        try:
            document = self._parse(
                within_deadline(DEADLINE_SECONDS, lambda: download(self._url(), DEADLINE_SECONDS))
            )
        except (httpx.HTTPError, OSError, ValueError, KeyError, JoseError) as error:
            raise ProviderUnavailable(f"the provider's document: {error}") from error
        finally:
            self._tried_at = time.monotonic()
        self._good = (document, time.monotonic())
        return document


def key_set(document: dict[str, Any]) -> KeySet:
    return KeySet.import_key_set(cast(KeySetSerialization, document))


class OpenIdProvider:
    """The provider named by ``issuer``, and this stack as its client ``client_id`` (a
    confidential one with ``client_secret``, else a public one)."""

    def __init__(
        self, issuer: str, client_id: str, client_secret: str | None, redirect_uri: str
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        discovery_url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        self.discovery = Document(lambda: discovery_url, self._checked_discovery)
        self.keys = Document(lambda: str(self.discovery.current()["jwks_uri"]), key_set)

    def _checked_discovery(self, document: dict[str, Any]) -> dict[str, Any]:
        """The document must be this issuer's (OpenID Connect Discovery 1.0, section 4.3)."""
        if document.get("issuer") != self.issuer:
            raise ValueError("the discovery document names another issuer")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not str(document.get(endpoint, "")).startswith(("https://", "http://")):
                raise ValueError(f"the discovery document has no {endpoint}")
        return document

    def authorization_url(self, attempt: Attempt, language: str) -> str:
        metadata = self.discovery.current()
        return str(
            prepare_grant_uri(
                metadata["authorization_endpoint"],
                self.client_id,
                "code",
                self.redirect_uri,
                scope="openid",
                state=attempt.state,
                nonce=attempt.nonce,
                code_challenge=create_s256_code_challenge(attempt.code_verifier),
                code_challenge_method="S256",
                ui_locales=language,
            )
        )

    def subject(self, code: str, attempt: Attempt) -> str:
        """The ``sub`` of the ID token the provider gives for ``code``, verified."""
        answer = self._redeem(code, attempt)
        id_token, access_token = answer.get("id_token"), answer.get("access_token")
        if not isinstance(id_token, str):
            raise SignInRefused("the provider's answer has no ID token")
        try:
            token = self._decoded(id_token)
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {"essential": True, "value": self.issuer},
                    "aud": {"essential": True, "value": self.client_id},
                    "sub": {"essential": True},
                },
                {
                    "nonce": attempt.nonce,
                    "client_id": self.client_id,
                    "access_token": access_token if isinstance(access_token, str) else None,
                },
            )
            claims.validate(leeway=CLOCK_SKEW_SECONDS)
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise SignInRefused(f"the ID token does not hold: {error}") from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise SignInRefused("the ID token names nobody")
        return subject

    def _decoded(self, id_token: str) -> jwt.Token:
        allowed = self.discovery.current().get("id_token_signing_alg_values_supported", ["RS256"])
        registry = JWSRegistry(algorithms=[a for a in SIGNATURE_ALGORITHMS if a in allowed])
        try:
            return jwt.decode(id_token, self.keys.current(), registry=registry)
        except InvalidKeyIdError:  # a rotated key: fetched again, within the cooldown's limits
            return jwt.decode(id_token, self.keys.refreshed(), registry=registry)

    def _redeem(self, code: str, attempt: Attempt) -> dict[str, Any]:
        metadata = self.discovery.current()
        body = add_params_to_qs(
            "",
            [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.redirect_uri),
                ("code_verifier", attempt.code_verifier),
            ],
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        uri, headers, body = ClientAuth(
            self.client_id, self.client_secret, self._client_auth_method(metadata)
        ).prepare("POST", metadata["token_endpoint"], headers, body)

        def post() -> httpx.Response:
            with httpx.Client(timeout=DEADLINE_SECONDS, follow_redirects=False) as client:
                return client.post(uri, content=body, headers=headers)

        try:
            response = within_deadline(DEADLINE_SECONDS, post)
        except (httpx.HTTPError, OSError) as error:
            raise ProviderUnavailable(f"the token endpoint: {error}") from error
        if response.status_code >= 500:
            raise ProviderUnavailable(f"the token endpoint answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise SignInRefused("the token endpoint's answer is not JSON") from error
        if response.status_code != 200 or not isinstance(answer, dict):
            raise SignInRefused(f"the token endpoint refused the code: {answer}")
        return answer

    def _client_auth_method(self, metadata: dict[str, Any]) -> str:
        if not self.client_secret:
            return "none"
        offered = metadata.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        return (
            "client_secret_post" if "client_secret_basic" not in offered else "client_secret_basic"
        )
