"""Tokens an identity provider signs (RS256 and ES256), verified against its key set served
from a local HTTP server: ``sub`` names the user, the database says who they are."""

from __future__ import annotations

import subprocess
import time
from typing import Any
from uuid import uuid4

from api.tokens import KEY_SET_REFRESH_COOLDOWN_SECONDS
from tests.support.keyset import KeySet, SigningKey
from tests.support.stack import BULKREG, Stack

COOLDOWN = KEY_SET_REFRESH_COOLDOWN_SECONDS + 0.5


def add_user(stack: Stack, org: str, role: str, subject: str) -> str:
    done = subprocess.run(
        [str(BULKREG.resolve()), "user", "add", "--org", org, "--role", role,
         "--name", f"IdP {subject}", "--email", f"{subject}@idp.example.org",
         "--auth-subject", subject],
        capture_output=True, text=True, env=stack.env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def me(stack: Stack, token: str) -> tuple[int, dict[str, Any]]:
    with stack.client(token) as http:
        response = http.get("/v1/me")
    return response.status_code, response.json()


def test_rs256_and_es256_tokens_name_their_user_by_subject(
    stack: Stack, key_set: KeySet, first_org: dict[str, Any]
) -> None:
    subject = "kc-names-by-subject"  # each test has its own: unique in the session
    user_id = add_user(stack, first_org["name"], "coordinator", subject)
    for key in key_set.keys:
        status, body = me(stack, key.token(subject))
        assert status == 200, body
        assert (body["id"], body["role"], body["org_id"]) == (
            user_id,
            "coordinator",
            first_org["id"],
        )
    rsa = key_set.keys[0]
    refused = {
        "unknown subject": rsa.token("nobody-" + subject),
        "wrong audience": rsa.token(subject, aud="someone-else"),
        "wrong issuer": rsa.token(subject, iss="https://evil.example.org"),
        "role claim that disagrees": rsa.token(subject, role="admin"),
        "organization claim that disagrees": rsa.token(subject, org_id=str(uuid4())),
        "too long a life": rsa.token(subject, ttl=10 * 86400),
        "expired": rsa.token(subject, ttl=-60),
    }
    for why, token in refused.items():
        status, body = me(stack, token)
        assert (status, body["code"]) == (401, "unauthenticated"), why
    forged = SigningKey.generate("rsa-1", "RS256")  # a known kid, another key
    assert me(stack, forged.token(subject))[0] == 401
    assert me(stack, rsa.token(subject, role="coordinator"))[0] == 200  # agreeing claims pass


def test_a_rotated_key_is_fetched_once_and_an_unreachable_set_is_503(
    stack: Stack, key_set: KeySet, first_org: dict[str, Any]
) -> None:
    subject = "kc-rotated-keys"
    add_user(stack, first_org["name"], "coordinator", subject)
    assert me(stack, key_set.keys[0].token(subject))[0] == 200

    rotated = SigningKey.generate("rsa-2", "RS256")
    key_set.keys.append(rotated)
    time.sleep(COOLDOWN)  # a set fetched moments ago is not fetched again at once
    before = key_set.fetches
    assert me(stack, rotated.token(subject))[0] == 200
    assert key_set.fetches - before == 1  # fetched again for the unknown kid, once

    stranger = SigningKey.generate("never-published", "ES256")
    assert me(stack, stranger.token(subject))[0] == 401
    time.sleep(COOLDOWN)
    before = key_set.fetches
    for _ in range(3):
        assert me(stack, stranger.token(subject))[0] == 401
    assert key_set.fetches - before == 1  # made-up kids cannot flood the provider

    time.sleep(COOLDOWN)
    key_set.failing = True
    try:
        status, body = me(stack, SigningKey.generate("rsa-3", "RS256").token(subject))
    finally:
        key_set.failing = False
    assert (status, body["code"]) == (503, "unavailable"), body
    assert me(stack, key_set.keys[1].token(subject))[0] == 200  # the cached set still serves


def test_a_deactivated_user_s_provider_tokens_stop_at_once(
    stack: Stack, key_set: KeySet, first_org: dict[str, Any]
) -> None:
    subject = "kc-deactivated"
    add_user(stack, first_org["name"], "coordinator", subject)
    token = key_set.keys[1].token(subject)
    assert me(stack, token)[0] == 200
    done = subprocess.run(
        [str(BULKREG.resolve()), "user", "deactivate", "--org", first_org["id"],
         "--email", f"{subject}@idp.example.org"],
        capture_output=True, text=True, env=stack.env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert me(stack, token)[0] == 401
