"""The relay's side of the outbox, as the maintenance role: claim due deliveries under a
short lease (``SKIP LOCKED``: relays never wait on each other), record each attempt, and
let events go after their retention.

A delivery's lease is also its mark of being in flight. A claim takes, per webhook and per
organization, no more than their bounds less what they have in flight, and takes them in
turns (every webhook's oldest due delivery before any webhook's second): a receiver that
answers slowly holds its own deliveries back, never another's."""

from __future__ import annotations

from datetime import datetime

from domain.ports.webhooks import Outgoing, Sent
from domain.webhooks import Event
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

CLAIM_DUE = sql(
    """with in_flight as (
           select webhook_id, org_id from webhook_deliveries
           where status = 'pending' and lease_until >= now()),
       webhook_busy as (select webhook_id, count(*) as n from in_flight group by webhook_id),
       org_busy as (select org_id, count(*) as n from in_flight group by org_id),
       ready as (
           select d.id, d.webhook_id, d.org_id, d.next_attempt_at,
                  row_number() over (partition by d.webhook_id
                                     order by d.next_attempt_at, d.id) as nth_of_webhook
           from webhook_deliveries d
           where d.status = 'pending' and d.next_attempt_at <= now()
             and (d.lease_until is null or d.lease_until < now())),
       within_webhook as (
           select r.*, row_number() over (partition by r.org_id
                                          order by r.nth_of_webhook, r.next_attempt_at, r.id)
                       as nth_of_org
           from ready r left join webhook_busy b on b.webhook_id = r.webhook_id
           where r.nth_of_webhook + coalesce(b.n, 0) <= :per_webhook),
       chosen as (
           select w.id from within_webhook w left join org_busy o on o.org_id = w.org_id
           where w.nth_of_org + coalesce(o.n, 0) <= :per_org
           order by w.nth_of_webhook, w.next_attempt_at, w.id
           limit :limit),
       due as (
           select d.id from webhook_deliveries d join chosen c on c.id = d.id
           where d.status = 'pending' and (d.lease_until is null or d.lease_until < now())
           for update of d skip locked)
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

    def claim_due(
        self, limit: int, lease_seconds: float, *, per_webhook: int, per_org: int
    ) -> list[Outgoing]:
        bounds = {"per_webhook": per_webhook, "per_org": per_org}
        rows = self.wire.rows(CLAIM_DUE, {"limit": limit, "lease": lease_seconds} | bounds)
        return [_outgoing(r) for r in rows]

    def record(self, outgoing: Outgoing, sent: Sent, retry_at: datetime | None) -> None:
        base = {"id": outgoing.delivery_id}
        self.wire.queue(
            RECORD_ATTEMPT,
            base
            | {
                "attempt": outgoing.attempt,
                "code": sent.status_code,
                "error": sent.error,
                "ms": sent.duration_ms,
            },
        )
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
