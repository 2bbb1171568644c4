"""The mail outbox: written under the recipient's identity (``app.enqueue_email``; a job's
notifications are written by the trigger ``bulk_jobs_notify``), claimed and recorded by the
relay as the maintenance role.

A claim takes due messages in turns by organization (every organization's oldest before any
organization's second) and no more per organization than its bound less what it has in
flight: a mail server that answers one organization's messages slowly cannot use up the
relay's senders. The lease is the mark of being in flight, as for webhook deliveries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.ports.mail import OutgoingEmail
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

ENQUEUE = sql("select app.enqueue_email(:org, :user, :kind, cast(:payload as jsonb)) as id")
CLAIM_DUE = sql(
    """with org_busy as (
           select org_id, count(*) as n from emails
           where status = 'pending' and lease_until >= now() group by org_id),
       ready as (
           select m.id, m.org_id, m.next_attempt_at,
                  row_number() over (partition by m.org_id
                                     order by m.next_attempt_at, m.id) as nth_of_org
           from emails m
           where m.status = 'pending' and m.next_attempt_at <= now()
             and (m.lease_until is null or m.lease_until < now())),
       chosen as (
           select r.id from ready r left join org_busy o on o.org_id = r.org_id
           where r.nth_of_org + coalesce(o.n, 0) <= :per_org
           order by r.nth_of_org, r.next_attempt_at, r.id
           limit :limit),
       due as (
           select m.id from emails m join chosen c on c.id = m.id
           where m.status = 'pending' and (m.lease_until is null or m.lease_until < now())
           for update of m skip locked)
       update emails m
       set lease_until = now() + make_interval(secs => :lease), attempts = m.attempts + 1
       from due where m.id = due.id
       returning m.id, m.org_id, m.event_id, m.kind, m.language, m.to_address, m.payload,
                 m.attempts, m.created_at"""
)
SETTLE = sql(
    """update emails
       set status = case when cast(:error as text) is null then 'sent'
                         when cast(:retry_at as timestamptz) is null then 'given_up'
                         else 'pending' end,
           sent_at = case when cast(:error as text) is null then clock_timestamp() end,
           last_error = :error,
           next_attempt_at = coalesce(cast(:retry_at as timestamptz), next_attempt_at),
           lease_until = null
       where id = :id and status = 'pending'"""
)
NEXT_DUE = sql(
    """select extract(epoch from min(greatest(next_attempt_at,
                  coalesce(lease_until, next_attempt_at))) - now()) as seconds
       from emails where status = 'pending'"""
)


def _outgoing(r: Row) -> OutgoingEmail:
    return OutgoingEmail(
        r.id,
        r.org_id,
        r.event_id,
        r.kind,
        r.language,
        r.to_address,
        dict(r.payload),
        r.attempts,
        r.created_at,
    )


class SqlMail:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def enqueue(
        self, org_id: UUID, recipient_user_id: UUID, kind: str, payload: dict[str, Any]
    ) -> UUID | None:
        row = self.wire.first(
            ENQUEUE,
            {
                "org": org_id,
                "user": recipient_user_id,
                "kind": kind,
                "payload": json.dumps(payload, default=str),
            },
        )
        return None if row is None else row.id


class SqlMailRelay:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def claim_due(self, limit: int, lease_seconds: float, *, per_org: int) -> list[OutgoingEmail]:
        rows = self.wire.rows(
            CLAIM_DUE, {"limit": limit, "lease": lease_seconds, "per_org": per_org}
        )
        return [_outgoing(r) for r in rows]

    def record(self, email: OutgoingEmail, error: str | None, retry_at: datetime | None) -> None:
        self.wire.queue(
            SETTLE,
            {"id": email.email_id, "error": error[:500] if error else None, "retry_at": retry_at},
        )

    def next_due_in(self) -> float | None:
        row = self.wire.first(NEXT_DUE)
        return None if row is None or row.seconds is None else max(0.0, float(row.seconds))
