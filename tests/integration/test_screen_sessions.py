"""Screen sessions end: at sign-out, when idle too long, at their absolute end, and when
their user is deactivated; only a digest is stored, and only staff get one."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from domain.errors import Unauthenticated
from domain.services import identity
from persistence.uow import SqlUnitsOfWork
from tests.support.orgs import Org

HOUR = 3600


def test_a_session_serves_until_its_user_signs_out(uows: SqlUnitsOfWork, org: Org) -> None:
    secret = identity.open_screen_session(uows, org.coordinator, HOUR)
    assert identity.screen_session(uows, secret, HOUR) == org.coordinator
    identity.end_screen_session(uows, secret)
    with pytest.raises(Unauthenticated):
        identity.screen_session(uows, secret, HOUR)


def test_an_idle_or_expired_session_ends(uows: SqlUnitsOfWork, org: Org) -> None:
    idle = identity.open_screen_session(uows, org.coordinator, HOUR)
    with pytest.raises(Unauthenticated):  # idle for longer than no time at all
        identity.screen_session(uows, idle, 0)
    ended = identity.open_screen_session(uows, org.coordinator, 0)  # over as it began
    with pytest.raises(Unauthenticated):
        identity.screen_session(uows, ended, HOUR)


def test_only_active_staff_get_one_and_deactivation_ends_it(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    with pytest.raises(Unauthenticated):
        identity.open_screen_session(uows, org.principal(org.peer_mentors[0]), HOUR)
    secret = identity.open_screen_session(uows, org.coordinator, HOUR)
    with superuser_engine.begin() as conn:
        conn.execute(
            text("update users set active = false where id = :u"), {"u": org.coordinator.user_id}
        )
        ended = conn.execute(
            text("select ended_at is not null from screen_sessions where user_id = :u"),
            {"u": org.coordinator.user_id},
        ).scalars()
        assert list(ended) == [True]
        stored = conn.execute(text("select digest from screen_sessions")).scalars()
        assert secret.encode() not in {bytes(d) for d in stored}
        conn.execute(
            text("update users set active = true where id = :u"), {"u": org.coordinator.user_id}
        )
    with pytest.raises(Unauthenticated):  # active again, but that session stays ended
        identity.screen_session(uows, secret, HOUR)
