"""The people and activity types of an organization."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.model import (
    Role,
    UserRecord,
)
from domain.ports import DraftFacts
from persistence.wire import Wire, sql


class SqlDirectory:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def user(self, user_id: UUID) -> UserRecord | None:
        return self.users([user_id]).get(user_id)

    def users(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        if not user_ids:
            return {}
        rows = self.wire.rows(
            sql(
                "select id, org_id, role, display_name, active from users "
                "where id = any(cast(:ids as uuid[]))"
            ),
            {"ids": list(user_ids)},
        )
        return {
            r.id: UserRecord(r.id, r.org_id, Role(r.role), r.display_name, r.active) for r in rows
        }

    def draft_facts(self, org_id: UUID, activity_type: str) -> DraftFacts:
        row = self.wire.first(
            sql(
                """select o.timezone, coalesce(t.active, false) as type_is_active
                   from organizations o
                   left join activity_types t on t.org_id = o.id and t.code = :code
                   where o.id = :org"""
            ),
            {"org": org_id, "code": activity_type},
        )
        return DraftFacts(row.timezone, row.type_is_active) if row else DraftFacts("UTC", False)
