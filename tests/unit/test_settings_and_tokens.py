from __future__ import annotations

import time
from pathlib import Path
from uuid import uuid4

import jwt
import pytest
from pydantic import ValidationError

from api import tokens
from bulkreg import tokens as issued
from bulkreg.foundation.settings import Settings
from domain.errors import Unauthenticated
from domain.model import Principal, Role

SECRET = "s" * 64


def test_placeholder_or_short_secrets_are_refused_outside_dev() -> None:
    for secret in ("changeme", "short", None):
        with pytest.raises(ValidationError):
            Settings(env="prod", jwt_secret=secret, flower_basic_auth="a:b")
    assert (
        Settings(env="prod", jwt_secret=SECRET, flower_basic_auth="a:b").signing_secret() == SECRET
    )


def test_dev_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(env="dev", data_dir=tmp_path)
    second = Settings(env="dev", data_dir=tmp_path)
    assert first.signing_secret() == second.signing_secret()
    assert len(first.signing_secret()) >= 32
    assert ":" in first.flower_login()


def test_tokens_round_trip_and_forgeries_are_refused() -> None:
    p = Principal(uuid4(), uuid4(), Role.COORDINATOR)
    assert tokens.claimed_principal(issued.issue(p, SECRET), SECRET, 3600) == p
    now = int(time.time())
    claims = {
        "sub": str(p.user_id),
        "role": "coordinator",
        "org_id": str(p.org_id),
        "iat": now,
        "exp": now + 60,
    }
    forgeries = [
        jwt.encode(claims, SECRET, algorithm="HS512"),
        jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256"),
        jwt.encode({**claims, "exp": now - 10}, SECRET, algorithm="HS256"),
        jwt.encode({k: v for k, v in claims.items() if k != "org_id"}, SECRET, algorithm="HS256"),
        jwt.encode({**claims, "role": "overlord"}, SECRET, algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        issued.issue(p, SECRET)[:-2] + "xx",
    ]
    for token in forgeries:
        with pytest.raises(Unauthenticated):
            tokens.claimed_principal(token, SECRET, 3600)
