"""Events and webhooks (docs/api.md, "Events and webhooks"): an outbox written by the changes themselves.

Revision ID: 0015
Revises: 0014

Events
------
Every change of a bulk job's status and every anomaly opened or resolved writes its row in
``events`` *in the transaction that makes the change*: triggers do it, so no code path can
forget one, and a rolled-back change leaves no event. A job's event is written by a
constraint trigger deferred to the commit, so its counts are the job's counts as committed
(the items are written after the job's row). ``running`` is not an event, nor is a running
job's return to the queue for another attempt (a retry, invisible to clients); a resolved
job's return to the queue is.

The feed is read in commit order, not in id order: an event carries the id of the
transaction that wrote it (``txid``), and a reader sees only events of transactions older
than every transaction still running (``pg_snapshot_xmin``). A transaction that commits
late therefore never slips in behind a reader's cursor: its events are held back until it
has committed, and sort after every event already shown.

Webhooks and deliveries
-----------------------
The same trigger writes one ``webhook_deliveries`` row per webhook of the organization whose
``types`` match (``bulk_registration.*``, ``anomaly.opened``, ``*``), and notifies the relay
(``NOTIFY bulkreg_deliveries``, sent at commit). Each attempt is kept in
``webhook_attempts``. Admins read their organization's webhooks (all but the secret, which
the API's role may write and never read), deliveries and attempts; the maintenance role (the
relay) reads what it sends and records what happened.

Long polls
----------
Any new version of a job notifies ``bulkreg_job_changed`` with the job's id (sent at
commit; nothing else in the payload): a waiting long poll re-reads the job then.

Every function here is ``SECURITY DEFINER`` owned by the owner, with ``search_path`` pinned
to ``pg_catalog, pg_temp`` and every name schema-qualified, as the manual asks; ``EXECUTE``
is not granted to anyone (triggers call them).
"""

from alembic import op

revision = "0015"
down_revision = "0014"

APP = "bulkreg_app"
MAINT = "bulkreg_maintenance"
OWNER = "bulkreg_owner"
OUTCOMES = "'ready', 'registered', 'overridden', 'skipped', 'conflict', 'invalid', 'cancelled'"
STAFF = "org_id = (select app.current_org_id()) and (select app.is_staff())"
ADMIN = "org_id = (select app.current_org_id()) and (select app.current_role()) = 'admin'"


def upgrade() -> None:
    op.execute(
        f"""create table events (
               seq bigint generated always as identity primary key,
               id text not null unique,
               txid xid8 not null default pg_current_xact_id(),
               org_id uuid not null references organizations (id),
               type text not null,
               created_at timestamptz not null default clock_timestamp(),
               data jsonb not null);
        create index events_feed on events (org_id, txid, seq);
        create index events_created_brin on events using brin (created_at);

        create table webhooks (
               id uuid primary key,
               org_id uuid not null references organizations (id),
               url text not null,
               types text[] not null,
               secret text not null,
               created_by uuid references users (id),
               created_at timestamptz not null default now(),
               deleted_at timestamptz);
        create index webhooks_of_org on webhooks (org_id) where deleted_at is null;

        create table webhook_deliveries (
               id uuid primary key default gen_random_uuid(),
               org_id uuid not null,
               webhook_id uuid not null references webhooks (id),
               event_seq bigint not null references events (seq) on delete cascade,
               status text not null default 'pending'
                   check (status in ('pending', 'delivered', 'failed', 'cancelled')),
               attempts integer not null default 0,
               next_attempt_at timestamptz not null default clock_timestamp(),
               lease_until timestamptz,
               created_at timestamptz not null default clock_timestamp(),
               delivered_at timestamptz,
               unique (webhook_id, event_seq));
        create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
            where status = 'pending';
        create index webhook_deliveries_listing on webhook_deliveries
            (webhook_id, created_at desc, id desc);

        create table webhook_attempts (
               delivery_id uuid not null references webhook_deliveries (id) on delete cascade,
               attempt integer not null,
               org_id uuid not null,
               at timestamptz not null,
               status_code integer,
               error text,
               duration_ms integer not null,
               primary key (delivery_id, attempt));

        alter table events enable row level security;
        alter table events force row level security;
        alter table webhooks enable row level security;
        alter table webhooks force row level security;
        alter table webhook_deliveries enable row level security;
        alter table webhook_deliveries force row level security;
        alter table webhook_attempts enable row level security;
        alter table webhook_attempts force row level security;

        create policy provision on events to {OWNER} using (true) with check (true);
        create policy provision on webhooks to {OWNER} using (true) with check (true);
        create policy provision on webhook_deliveries to {OWNER} using (true) with check (true);
        create policy emit_events on bulk_job_items for select to {OWNER} using (true);

        create policy staff_read on events for select to {APP} using ({STAFF});
        create policy admin_read on webhooks for select to {APP} using ({ADMIN});
        create policy admin_create on webhooks for insert to {APP} with check ({ADMIN});
        create policy admin_delete on webhooks for update to {APP} using ({ADMIN})
            with check ({ADMIN});
        create policy admin_read on webhook_deliveries for select to {APP} using ({ADMIN});
        create policy admin_cancel on webhook_deliveries for update to {APP}
            using ({ADMIN} and status = 'pending') with check ({ADMIN} and status = 'cancelled');
        create policy admin_read on webhook_attempts for select to {APP} using ({ADMIN});
        grant select on events to {APP};
        -- The API writes a webhook's secret once and never reads it back: a compromised API
        -- role cannot read any webhook's secret (the relay, as maintenance, signs with it).
        grant select (id, org_id, url, types, created_by, created_at, deleted_at)
            on webhooks to {APP};
        grant insert on webhooks to {APP};
        grant update (deleted_at) on webhooks to {APP};
        grant select on webhook_deliveries, webhook_attempts to {APP};
        grant update (status) on webhook_deliveries to {APP};

        create policy maintenance_read on events for select to {MAINT} using (true);
        create policy maintenance_expire on events for delete to {MAINT} using (true);
        create policy maintenance_read on webhooks for select to {MAINT} using (true);
        create policy maintenance_send on webhook_deliveries to {MAINT} using (true)
            with check (true);
        create policy maintenance_record on webhook_attempts to {MAINT} using (true)
            with check (true);
        grant select, delete on events to {MAINT};
        grant select on webhooks to {MAINT};
        grant select on webhook_deliveries to {MAINT};
        grant update (status, attempts, next_attempt_at, lease_until, delivered_at)
            on webhook_deliveries to {MAINT};
        grant select, insert on webhook_attempts to {MAINT};

        create function app.emit_event(org uuid, kind text, body jsonb) returns void
            language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
            declare
                event_seq bigint;
            begin
                insert into public.events (id, org_id, type, data)
                    values ('evt_' || pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''),
                            org, kind, body)
                    returning seq into event_seq;
                insert into public.webhook_deliveries (org_id, webhook_id, event_seq)
                    select org, w.id, event_seq from public.webhooks w
                    where w.org_id = org and w.deleted_at is null
                      and exists (select 1 from pg_catalog.unnest(w.types) pattern
                                  where pattern = kind or pattern = '*'
                                     or (pg_catalog.right(pattern, 2) = '.*'
                                         and pg_catalog.starts_with(kind,
                                             pg_catalog.left(pattern, -1))));
                if found then
                    perform pg_catalog.pg_notify('bulkreg_deliveries', '');
                end if;
            end $$;
        alter function app.emit_event(uuid, text, jsonb) owner to {OWNER};
        revoke all on function app.emit_event(uuid, text, jsonb) from public;

        create function app.job_event() returns trigger
            language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
            declare
                counts jsonb;
            begin
                if tg_op = 'UPDATE' and (old.status = new.status
                        or (old.status = 'running' and new.status = 'queued')) then
                    return null;
                end if;
                select pg_catalog.jsonb_build_object('total', new.total)
                       || coalesce(pg_catalog.jsonb_object_agg(o.outcome, coalesce(n.count, 0)),
                                   '{{}}')
                    into counts
                    from pg_catalog.unnest(array[{OUTCOMES}]) as o (outcome)
                    left join (select i.outcome, pg_catalog.count(*) as count
                               from public.bulk_job_items i
                               where i.job_id = new.id group by i.outcome) n
                           on n.outcome = o.outcome;
                perform app.emit_event(new.org_id, 'bulk_registration.' || new.status,
                    pg_catalog.jsonb_build_object('job_id', new.id, 'status', new.status,
                                                  'counts', counts));
                return null;
            end $$;
        alter function app.job_event() owner to {OWNER};
        revoke all on function app.job_event() from public;
        create constraint trigger bulk_jobs_event after insert or update of status on bulk_jobs
            deferrable initially deferred for each row
            when (new.status is distinct from 'running')
            execute function app.job_event();

        create function app.anomaly_event() returns trigger
            language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
            begin
                if tg_op = 'INSERT' then
                    perform app.emit_event(new.org_id, 'anomaly.opened',
                        pg_catalog.jsonb_build_object('anomaly_id', new.id, 'kind', new.kind,
                            'job_id', new.bulk_job_id, 'activity_ids', new.activity_ids));
                elsif old.resolved_at is null and new.resolved_at is not null then
                    perform app.emit_event(new.org_id, 'anomaly.resolved',
                        pg_catalog.jsonb_build_object('anomaly_id', new.id, 'kind', new.kind,
                            'job_id', new.bulk_job_id, 'activity_ids', new.activity_ids,
                            'resolution', new.resolution));
                end if;
                return null;
            end $$;
        alter function app.anomaly_event() owner to {OWNER};
        revoke all on function app.anomaly_event() from public;
        create trigger anomalies_event after insert or update of resolved_at on anomalies
            for each row execute function app.anomaly_event();

        create function app.job_changed() returns trigger
            language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
            begin
                perform pg_catalog.pg_notify('bulkreg_job_changed', new.id::text);
                return null;
            end $$;
        alter function app.job_changed() owner to {OWNER};
        revoke all on function app.job_changed() from public;
        create trigger bulk_jobs_changed after update on bulk_jobs for each row
            when (old.version is distinct from new.version or old.status is distinct from new.status)
            execute function app.job_changed();"""
    )


def downgrade() -> None:
    op.execute(
        """drop trigger bulk_jobs_changed on bulk_jobs;
        drop function app.job_changed();
        drop trigger anomalies_event on anomalies;
        drop function app.anomaly_event();
        drop trigger bulk_jobs_event on bulk_jobs;
        drop function app.job_event();
        drop function app.emit_event(uuid, text, jsonb);
        drop policy emit_events on bulk_job_items;
        drop table webhook_attempts, webhook_deliveries, webhooks, events;"""
    )
