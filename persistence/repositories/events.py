"""The events feed and the webhooks, as the API's role sees them (its organization's only,
by row-level security; webhooks for admins only)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from uuid import UUID

from domain.ports.common import Page
from domain.webhooks import RETENTION_DAYS, Attempt, Delivery, Event, Webhook
from persistence import cursors
from persistence.repositories.shared import Row, keyset_page
from persistence.wire import Wire, sql

# Commit order: (txid, seq) of events whose transaction is older than any still running,
# so a late commit can never land behind a cursor already handed out (the ``txid`` each
# row of ``events`` carries, compared with ``pg_snapshot_xmin``).
EVENTS_AFTER = sql(
    """with mark as (select txid, seq from events where id = :after)
       select e.id, e.org_id, e.type, e.created_at, e.data
       from events e
       where (cast(:after as text) is null or (e.txid, e.seq) > (select txid, seq from mark))
         and e.txid < pg_snapshot_xmin(pg_current_snapshot())
         and e.created_at > now() - make_interval(days => :days)
         and (cardinality(cast(:exact as text[])) = 0 or e.type = any(cast(:exact as text[]))
              or exists (select 1 from unnest(cast(:prefixes as text[])) p
                         where starts_with(e.type, p)))
       order by e.txid, e.seq
       limit :limit"""
)
KNOWN = sql(
    """select 1 from events where id = :after
       and created_at > now() - make_interval(days => :days)"""
)
WEBHOOK_COLUMNS = "id, org_id, url, types, created_at"


def _event(r: Row) -> Event:
    return Event(r.id, r.org_id, r.type, r.created_at, dict(r.data))


def _webhook(r: Row) -> Webhook:
    return Webhook(r.id, r.org_id, r.url, list(r.types), r.created_at)


def type_filter(types: Sequence[str]) -> dict[str, list[str]]:
    """``types`` as exact names and prefixes (``anomaly.*`` → ``anomaly.``); ``*`` or
    nothing: every type."""
    if "*" in types:
        return {"exact": [], "prefixes": []}
    return {
        "exact": [t for t in types if not t.endswith(".*")],
        "prefixes": [t[:-1] for t in types if t.endswith(".*")],
    }


class SqlEvents:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.days = RETENTION_DAYS

    def page(self, after: str | None, types: Sequence[str], limit: int) -> list[Event] | None:
        wanted = type_filter(types)
        known, rows = self.wire.round_trip(
            (KNOWN, {"after": after, "days": self.days}),
            (EVENTS_AFTER, {"after": after, "days": self.days, "limit": limit, **wanted}),
        )
        if after is not None and not known:
            return None
        return [_event(r) for r in rows]


class SqlWebhooks:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def add(self, webhook: Webhook, secret: str, created_by: UUID) -> None:
        self.wire.queue(
            sql(
                """insert into webhooks (id, org_id, url, types, secret, created_by, created_at)
                   values (:id, :org, :url, :types, :secret, :by, :at)"""
            ),
            {
                "id": webhook.id,
                "org": webhook.org_id,
                "url": webhook.url,
                "types": webhook.types,
                "secret": secret,
                "by": created_by,
                "at": webhook.created_at,
            },
        )

    def listing(self) -> list[Webhook]:
        rows = self.wire.rows(
            sql(
                f"""select {WEBHOOK_COLUMNS} from webhooks where deleted_at is null
                    order by created_at, id"""
            )
        )
        return [_webhook(r) for r in rows]

    def remove(self, webhook_id: UUID) -> bool:
        gone, _ = self.wire.round_trip(
            (
                sql(
                    """update webhooks set deleted_at = now()
                       where id = :id and deleted_at is null returning id"""
                ),
                {"id": webhook_id},
            ),
            (
                sql(
                    """update webhook_deliveries set status = 'cancelled'
                       where webhook_id = :id and status = 'pending' returning id"""
                ),
                {"id": webhook_id},
            ),
        )
        return bool(gone)

    def deliveries(self, webhook_id: UUID, cursor: str | None, limit: int) -> Page[Delivery] | None:
        after = cursors.decode(cursor) if cursor else None
        exists, rows = self.wire.round_trip(
            (sql("select 1 from webhooks where id = :id"), {"id": webhook_id}),
            (
                sql(
                    """with page as (
                           select d.* from webhook_deliveries d
                           where d.webhook_id = :id
                             and (cast(:at as timestamptz) is null
                                  or (d.created_at, d.id) < (:at, cast(:row as uuid)))
                           order by d.created_at desc, d.id desc limit :limit)
                       select p.id, p.status, p.created_at, p.next_attempt_at, p.delivered_at,
                              e.id as event_id, e.type as event_type,
                              a.attempt, a.at, a.status_code, a.error, a.duration_ms
                       from page p join events e on e.seq = p.event_seq
                       left join webhook_attempts a on a.delivery_id = p.id
                       order by p.created_at desc, p.id desc, a.attempt"""
                ),
                {
                    "id": webhook_id,
                    "at": after[0] if after else None,
                    "row": after[1] if after else None,
                    "limit": limit + 1,
                },
            ),
        )
        if not exists:
            return None
        found = [_delivery(list(group)) for _, group in groupby(rows, key=lambda r: r.id)]
        return keyset_page(found, limit, lambda d: d, lambda d: cursors.encode(d.created_at, d.id))


def _delivery(rows: list[Row]) -> Delivery:
    first = rows[0]
    attempts = [
        Attempt(r.attempt, r.at, r.status_code, r.error, r.duration_ms)
        for r in rows
        if r.attempt is not None
    ]
    pending = first.status == "pending"
    return Delivery(
        first.id,
        first.event_id,
        first.event_type,
        first.status,
        first.created_at,
        first.next_attempt_at if pending else None,
        first.delivered_at,
        attempts,
    )
