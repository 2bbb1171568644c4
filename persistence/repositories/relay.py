"""The relay's side of the outbox, as the maintenance role: claim due deliveries under a
short lease (``SKIP LOCKED``: relays never wait on each other), record each attempt, and
let events go after their retention."""

from __future__ import annotations

from datetime import datetime

from domain.ports import Outgoing, Sent
from domain.webhooks import Event
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

CLAIM_DUE = sql(
    """with due as (
           select id from webhook_deliveries
           where status = 'pending' and next_attempt_at <= now()
             and (lease_until is null or lease_until < now())
           order by next_attempt_at
           limit :limit
           for update skip locked)
       update webhook_deliveries d
       set lease_until = now() + make_interval(secs => :lease), attempts = d.attempts + 1
       from due, events e, webhooks w
       where d.id = due.id and e.seq = d.event_seq and w.id = d.webhook_id
       returning d.id, d.attempts, d.created_at, w.url, w.secret,
                 e.id as event_id, e.org_id, e.type, e.created_at as event_at, e.data"""
)
RECORD_ATTEMPT = sql(
    """insert into webhook_attempts (delivery_id, attempt, org_id, at, status_code, error,
                                     duration_ms)
       select :id, :attempt, org_id, clock_timestamp(), :code, :error, :ms
       from webhook_deliveries where id = :id"""
)
SETTLE = sql(
    """update webhook_deliveries
       set status = case when :ok then 'delivered'
                         when cast(:retry_at as timestamptz) is null then 'failed'
                         else 'pending' end,
           delivered_at = case when :ok then clock_timestamp() end,
           next_attempt_at = coalesce(cast(:retry_at as timestamptz), next_attempt_at),
           lease_until = null
       where id = :id and status = 'pending'"""
)


def _outgoing(r: Row) -> Outgoing:
    event = Event(r.event_id, r.org_id, r.type, r.event_at, dict(r.data))
    return Outgoing(r.id, r.attempts, r.url, r.secret, event, r.created_at)


class SqlRelay:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def claim_due(self, limit: int, lease_seconds: float) -> list[Outgoing]:
        rows = self.wire.rows(CLAIM_DUE, {"limit": limit, "lease": lease_seconds})
        return [_outgoing(r) for r in rows]

    def record(self, outgoing: Outgoing, sent: Sent, retry_at: datetime | None) -> None:
        base = {"id": outgoing.delivery_id}
        self.wire.queue(
            RECORD_ATTEMPT,
            base | {"attempt": outgoing.attempt, "code": sent.status_code,
                    "error": sent.error, "ms": sent.duration_ms},
        )  # fmt: skip
        self.wire.queue(SETTLE, base | {"ok": sent.ok, "retry_at": retry_at})

    def next_due_in(self) -> float | None:
        row = self.wire.first(
            sql(
                """select extract(epoch from min(greatest(next_attempt_at,
                              coalesce(lease_until, next_attempt_at))) - now()) as seconds
                   from webhook_deliveries where status = 'pending'"""
            )
        )
        return None if row is None or row.seconds is None else max(0.0, float(row.seconds))

    def expire_events(self, older_than_days: int) -> int:
        return self.wire.count(
            sql("delete from events where created_at < now() - make_interval(days => :days)"),
            {"days": older_than_days},
        )
