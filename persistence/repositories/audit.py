"""The audit log: every write a person asked for, with who and what."""

from __future__ import annotations

import json
from collections.abc import Sequence

from domain.ports.audit import AuditEntry, AuditFilter, AuditRecord
from domain.ports.common import Page
from persistence import cursors
from persistence.repositories.shared import keyset_page
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

    def page(self, flt: AuditFilter, cursor: str | None, limit: int) -> Page[AuditRecord]:
        """Newest first: the organization's (row-level security: admins only) entries."""
        after = cursors.decode_entry(cursor) if cursor else None
        rows = self.wire.rows(
            sql(
                """select id, at, actor_id, action, target, details from audit_log
                   where (cast(:actor as uuid) is null or actor_id = :actor)
                     and (cast(:action as text) is null or action = :action)
                     and (cast(:target as text) is null or target = :target)
                     and (cast(:since as timestamptz) is null or at >= :since)
                     and (cast(:until as timestamptz) is null or at < :until)
                     and (cast(:after_at as timestamptz) is null
                          or (at, id) < (:after_at, cast(:after_id as bigint)))
                   order by at desc, id desc limit :limit"""
            ),
            {
                "actor": flt.actor_id,
                "action": flt.action,
                "target": flt.target,
                "since": flt.since,
                "until": flt.until,
                "after_at": after[0] if after else None,
                "after_id": after[1] if after else None,
                "limit": limit + 1,
            },
        )
        return keyset_page(
            rows,
            limit,
            lambda r: AuditRecord(r.id, r.at, r.actor_id, r.action, r.target, dict(r.details)),
            lambda e: cursors.encode_entry(e.at, e.id),
        )
