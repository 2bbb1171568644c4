"""Email: the mail outbox, written with the change that causes a message, sent by the relay.

Revision ID: 0023
Revises: 0022

The outbox
----------
``emails`` holds one row per message: whom it is for (``recipient_user_id``, and the address
and language it goes out in, taken when it is written), what kind it is and what its template
needs (``payload``), and how sending it goes (``status`` pending / sent / given_up,
``attempts``, ``next_attempt_at``, ``lease_until`` while a relay sends it, ``last_error``).
``to_address`` and ``payload`` are the only columns that may name a person (an erasure scrubs
them). A message caused by an event keeps the event's id (``event_id``: the relay makes the
``Message-ID`` of it, so a message sent twice is recognisably the same); one caused by nothing
(a sign-in link) has none.

Notifications, written by the change
------------------------------------
A job that reaches ``needs_review``, ``failed`` or ``succeeded`` writes an email to its
submitter in the transaction that writes the event: the constraint trigger
``bulk_jobs_notify`` is deferred to the commit like ``bulk_jobs_event`` and fires after it
(triggers of one event fire in the order of their names), so it finds the event of its own
transaction. It writes nothing when the submitter has no email, is inactive, or has said no
(``users.notify_needs_review``, ``notify_failed``: on by default; ``notify_succeeded``: off;
the columns are added by the next migration; until they exist the defaults hold). The
payload holds the counts (as the event's), the first conflicts by name, the activity's date
and, for a failed job, its error code.

Mail that no event causes
-------------------------
``app.enqueue_email(org, recipient, kind, payload)`` (the API's role and the workers' role,
under the recipient's own identity: a compromised API cannot mail another person through it)
writes one message to the caller (for anyone else it writes nothing, and answers null). Both
paths end in ``app.write_email``, which nobody may call
directly. Every write notifies ``bulkreg_deliveries``, as a webhook delivery does: the relay
wakes at the commit.

Who reads what
--------------
Staff read their organization's messages (no one needs more yet); the maintenance role (the
relay) claims and records. Nobody else writes except through the functions above.
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"

APP = "bulkreg_app"
MAINT = "bulkreg_maintenance"
OWNER = "bulkreg_owner"
SAFE = "security definer set search_path = pg_catalog, pg_temp"
FIRST_CONFLICTS = 10


def upgrade() -> None:
    op.execute(
        f"""create table emails (
               id uuid primary key default gen_random_uuid(),
               org_id uuid not null references organizations (id),
               recipient_user_id uuid not null references users (id),
               event_id text,
               kind text not null check (kind ~ '^[a-z][a-z_]{{0,39}}$'),
               language text not null check (language in ('nb', 'en')),
               to_address text not null,
               payload jsonb not null default '{{}}',
               status text not null default 'pending'
                   check (status in ('pending', 'sent', 'given_up')),
               attempts integer not null default 0,
               next_attempt_at timestamptz not null default clock_timestamp(),
               lease_until timestamptz,
               last_error text,
               created_at timestamptz not null default clock_timestamp(),
               sent_at timestamptz,
               unique (event_id, recipient_user_id));
        create index emails_due on emails (next_attempt_at) where status = 'pending';
        create index emails_of_recipient on emails (recipient_user_id);
        create index emails_sent_brin on emails using brin (sent_at);

        alter table emails enable row level security;
        alter table emails force row level security;
        create policy provision on emails to {OWNER} using (true) with check (true);
        -- The API's role holds no grant: a sign-in link's email must not be readable by the
        -- recipient's colleagues. The API writes mail only through app.enqueue_email.
        create policy maintenance_send on emails to {MAINT} using (true) with check (true);
        grant select on emails to {MAINT};
        grant update (status, attempts, next_attempt_at, lease_until, last_error, sent_at)
            on emails to {MAINT};

        create function app.write_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb,
                                        p_event text) returns uuid
            language plpgsql volatile {SAFE} as $$
            declare
                v_id uuid;
            begin
                insert into public.emails (org_id, recipient_user_id, event_id, kind, language,
                                           to_address, payload)
                    select u.org_id, u.id, p_event, p_kind,
                           coalesce(u.locale, o.locale, 'nb'), u.email, p_payload
                    from public.users u join public.organizations o on o.id = u.org_id
                    where u.id = p_user and u.org_id = p_org and u.active
                      and u.email is not null
                    on conflict (event_id, recipient_user_id) do nothing
                    returning id into v_id;
                if v_id is not null then
                    perform pg_catalog.pg_notify('bulkreg_deliveries', '');
                end if;
                return v_id;
            end $$;
        alter function app.write_email(uuid, uuid, text, jsonb, text) owner to {OWNER};
        revoke all on function app.write_email(uuid, uuid, text, jsonb, text) from public;

        create function app.enqueue_email(p_org uuid, p_user uuid, p_kind text,
                                          p_payload jsonb) returns uuid
            language plpgsql volatile {SAFE} as $$
            begin
                if p_user is distinct from app.current_user_id()
                   or p_org is distinct from app.current_org_id() then
                    return null;  -- an email goes to the caller only
                end if;
                return app.write_email(p_org, p_user, p_kind, p_payload, null);
            end $$;
        alter function app.enqueue_email(uuid, uuid, text, jsonb) owner to {OWNER};
        revoke all on function app.enqueue_email(uuid, uuid, text, jsonb) from public;
        grant execute on function app.enqueue_email(uuid, uuid, text, jsonb) to {APP};

        create function app.job_notification() returns trigger
            language plpgsql {SAFE} as $$
            declare
                v_wanted boolean;
                v_event text;
                v_conflicts jsonb;
            begin
                if tg_op = 'UPDATE' and old.status = new.status then
                    return null;
                end if;
                -- Read by name from the row, so the choices' defaults hold before the
                -- columns exist (they come with the next migration).
                select case new.status
                           when 'needs_review' then coalesce(
                               (pg_catalog.to_jsonb(u) ->> 'notify_needs_review')::boolean, true)
                           when 'failed' then coalesce(
                               (pg_catalog.to_jsonb(u) ->> 'notify_failed')::boolean, true)
                           else coalesce(
                               (pg_catalog.to_jsonb(u) ->> 'notify_succeeded')::boolean, false)
                       end
                    into v_wanted
                    from public.users u where u.id = new.submitted_by;
                if not coalesce(v_wanted, false) then
                    return null;
                end if;
                select e.id into v_event from public.events e
                    where e.org_id = new.org_id and e.txid = pg_catalog.pg_current_xact_id()
                      and e.type = 'bulk_registration.' || new.status
                      and e.data ->> 'job_id' = new.id::text
                    order by e.seq desc limit 1;
                select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'name', coalesce(c.display_name, c.given_value)) order by c.idx), '[]')
                    into v_conflicts
                    from (select i.idx, i.display_name, i.given_value
                          from public.bulk_job_items i
                          where i.job_id = new.id and i.outcome = 'conflict'
                          order by i.idx limit {FIRST_CONFLICTS}) c;
                perform app.write_email(new.org_id, new.submitted_by,
                    'job_' || new.status,
                    pg_catalog.jsonb_build_object(
                        'job_id', new.id, 'status', new.status,
                        'counts', (select e.data -> 'counts' from public.events e
                                   where e.id = v_event),
                        'conflicts', v_conflicts,
                        'occurred_on', new.activity ->> 'occurred_on',
                        'error_code', new.error_code),
                    coalesce(v_event, 'job:' || new.id || ':' || new.status));
                return null;
            end $$;
        alter function app.job_notification() owner to {OWNER};
        revoke all on function app.job_notification() from public;
        create constraint trigger bulk_jobs_notify after insert or update of status on bulk_jobs
            deferrable initially deferred for each row
            when (new.status in ('needs_review', 'failed', 'succeeded'))
            execute function app.job_notification();"""
    )


def downgrade() -> None:
    op.execute(
        """drop trigger bulk_jobs_notify on bulk_jobs;
        drop function app.job_notification();
        drop function app.enqueue_email(uuid, uuid, text, jsonb);
        drop function app.write_email(uuid, uuid, text, jsonb, text);
        drop table emails;"""
    )
