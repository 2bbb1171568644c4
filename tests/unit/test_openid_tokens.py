"""The ID token's checks, without a provider: the discovery document and the key set are
held as if fetched, and the token endpoint's answer is the token the test signs. Only a
token signed by the provider's key, from its issuer, for this client, unexpired and with
this sign-in's nonce, names anybody. (``tests/e2e/test_single_sign_on.py`` runs the whole
flow against a real provider.)"""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from api.oidc import Attempt, OpenIdProvider, SignInRefused

ISSUER = "https://id.example.org"
CLIENT = "bulkreg"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
STRANGER = RSAKey.generate_key(2048, parameters={"kid": "k9"}, private=True)
ATTEMPT = Attempt("state", "the-nonce", "v" * 64)


class HeldProvider(OpenIdProvider):
    """The provider with its documents held and its token endpoint answering ``id_token``."""

    def __init__(self, id_token: str) -> None:
        super().__init__(ISSUER, CLIENT, None, "https://bulkreg.example.org/ui/oidc/callback")
        now = time.monotonic()
        discovery = {"issuer": ISSUER, "id_token_signing_alg_values_supported": ["RS256"]}
        self.discovery._good = (discovery, now)
        self.keys._good = (KeySet([RSAKey.import_key(KEY.as_dict(private=False))]), now)
        self.keys._tried_at = now  # a key it lacks is not fetched again yet
        self.id_token = id_token

    def _redeem(self, code: str, attempt: Attempt) -> dict[str, Any]:
        return {"id_token": self.id_token, "access_token": "at"}


def claims(**changed: Any) -> dict[str, Any]:
    now = int(time.time())
    good = {"iss": ISSUER, "aud": CLIENT, "sub": "kari", "iat": now, "exp": now + 300,
            "nonce": ATTEMPT.nonce}  # fmt: skip
    return {k: v for k, v in (good | changed).items() if v is not None}


def signed(payload: dict[str, Any], key: Any = KEY, alg: str = "RS256", kid: str = "k1") -> str:
    return jwt.encode({"alg": alg, "kid": kid}, payload, key)


def test_a_good_token_names_its_subject() -> None:
    assert HeldProvider(signed(claims())).subject("code", ATTEMPT) == "kari"


def _unsigned(payload: dict[str, Any]) -> str:
    token = signed(payload)
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    return f"{header}.{token.split('.')[1]}."


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(signed(claims(nonce="another")), id="another nonce"),
        pytest.param(signed(claims(nonce=None)), id="no nonce"),
        pytest.param(signed(claims(aud="someone-else")), id="another audience"),
        pytest.param(signed(claims(iss="https://evil.example.org")), id="another issuer"),
        pytest.param(signed(claims(exp=int(time.time()) - 600)), id="expired"),
        pytest.param(signed(claims(sub=None)), id="no subject"),
        pytest.param(
            signed(claims(), RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)),
            id="another key with the same kid",
        ),
        pytest.param(
            signed(claims(), OctKey.import_key(b"s" * 32), alg="HS256"), id="HS256 with a secret"
        ),
        pytest.param(_unsigned(claims()), id="alg none"),
        pytest.param(signed(claims(), STRANGER, kid="k9"), id="a key the provider lacks"),
        pytest.param("not a token", id="not a token"),
    ],
)
def test_a_token_that_does_not_hold_names_nobody(token: str) -> None:
    with pytest.raises(SignInRefused):
        HeldProvider(token).subject("code", ATTEMPT)
