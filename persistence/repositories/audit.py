"""The audit log: every write a person asked for, with who and what."""

from __future__ import annotations

import json
from collections.abc import Sequence

from domain.ports import AuditEntry
from persistence.wire import Wire, sql


class SqlAudit:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def record(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        self.wire.queue(
            sql(
                """insert into audit_log (org_id, actor_id, action, target, details)
                   select * from unnest(cast(:org as uuid[]), cast(:actor as uuid[]),
                                        cast(:action as text[]), cast(:target as text[]),
                                        cast(:details as jsonb[]))"""
            ),
            {
                "org": [e.org_id for e in entries],
                "actor": [e.actor_id for e in entries],
                "action": [e.action for e in entries],
                "target": [e.target for e in entries],
                "details": [json.dumps(e.details) for e in entries],
            },
        )
