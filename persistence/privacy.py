"""Personal data in the database: the definer functions of ``persistence/schema.sql`` called as the
API's role acting for an admin (``app.person_export``, ``app.erase_person``), as the owner
for the operator's command line (``…_as_owner``), and as the maintenance role for the daily
retention (``app.expire``, ``app.expiring``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, text

from domain.model import Principal
from persistence.database import translated_errors
from persistence.roles import MAINTENANCE_ROLE
from persistence.uow import SET_IDENTITY
from persistence.wire import Wire, sql

ORG_OF = sql("select org_id from users where id = :user")
EXPORT = sql("select app.person_export(:user) as found")
ERASE = sql("select app.erase_person(:user, :reason) as outcome")


def _identity(principal: Principal) -> dict[str, str]:
    return {
        "user_id": str(principal.user_id),
        "org_id": str(principal.org_id),
        "role": principal.role.value,
    }


class SqlPersonalData:
    """``principal`` given: the API's engine, acting for them (row-level security and the
    functions' own checks apply). ``None``: the owner's engine, for the operator."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _owner(self, statement: str, params: dict[str, Any]) -> Any:
        with translated_errors(), self.engine.begin() as conn:
            return conn.execute(text(statement), params).scalar()

    def _as(self, principal: Principal, statement: Any, params: dict[str, Any]) -> Any:
        wire = Wire(self.engine, [(SET_IDENTITY, _identity(principal))])
        try:
            row = wire.first(statement, params)
            wire.commit()
        finally:
            wire.close()
        return row[0] if row else None

    def org_of(self, principal: Principal | None, user_id: UUID) -> UUID | None:
        if principal is None:
            return self._owner("select org_id from users where id = :user", {"user": user_id})
        found: UUID | None = self._as(principal, ORG_OF, {"user": user_id})
        return found

    def export(self, principal: Principal | None, user_id: UUID) -> dict[str, Any] | None:
        if principal is None:
            found = self._owner("select app.person_export_as_owner(:user)", {"user": user_id})
        else:
            found = self._as(principal, EXPORT, {"user": user_id})
        return dict(found) if found is not None else None

    def erase(self, principal: Principal | None, user_id: UUID, reason: str) -> str:
        if principal is None:
            outcome = self._owner(
                "select app.erase_person_as_owner(:user, :reason, null)",
                {"user": user_id, "reason": reason},
            )
        else:
            outcome = self._as(principal, ERASE, {"user": user_id, "reason": reason})
        return str(outcome)


class SqlRetention:
    """Each batch its own short transaction. The workers' engine takes the maintenance role
    for it; the owner's (the command line) calls the functions it owns."""

    def __init__(self, engine: Engine, *, maintenance: bool = True) -> None:
        self.engine = engine
        self.maintenance = maintenance

    def _scalar(self, statement: str, params: dict[str, Any]) -> int:
        with translated_errors(), self.engine.begin() as conn:
            if self.maintenance:
                conn.execute(
                    text(
                        f"select set_config('role', '{MAINTENANCE_ROLE}', true), "
                        "set_config('lock_timeout', '2s', true)"
                    )
                )
            return int(conn.execute(text(statement), params).scalar() or 0)

    def expire(self, kind: str, before: datetime, batch: int) -> int:
        return self._scalar(
            "select app.expire(:kind, :before, :batch)",
            {"kind": kind, "before": before, "batch": batch},
        )

    def expiring(self, kind: str, before: datetime) -> int:
        return self._scalar("select app.expiring(:kind, :before)", {"kind": kind, "before": before})


def find_person(engine: Engine, org_id: UUID, email: str) -> UUID | None:
    """The person of the organization with this email (active or not), as the owner."""
    with engine.connect() as conn:
        found: UUID | None = conn.execute(
            text(
                """select id from users where org_id = :org
                     and email_key = lower(:email collate pg_catalog.pg_unicode_fast)"""
            ),
            {"org": org_id, "email": email},
        ).scalar()
    return found
