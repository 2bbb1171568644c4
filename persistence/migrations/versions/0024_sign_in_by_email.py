"""Each user's notification choices, and the limits on sign-in links asked for by email.

Revision ID: 0024
Revises: 0023

Notification choices
--------------------
``users.notify_needs_review`` and ``users.notify_failed`` (on by default) and
``users.notify_succeeded`` (off): whether the submitter of a bulk job gets an email when it
reaches that status. The relay's writer of notifications reads them; each user changes only
their own, as with ``locale`` (the API's role may update these columns, and the policy
``own_locale`` lets it touch only the caller's own row). The maintenance role may read them.

Sign-in links by email
----------------------
``app.request_sign_in_links(email, address_key, client_key)`` is what the sign-in page's
*Email me a sign-in link* asks before anyone is known: the API's role reads nothing of the
directory without an identity, so this definer function (written as 0010 describes,
executable by ``bulkreg_api`` alone) does the one lookup. It keeps the request in
``sign_in_requests`` — the keyed digests the API computes of the lower-cased address and of
the client's network address (never the addresses themselves), and when — and answers
nothing once the address has asked 5 times or the client 30 times in the last hour (the
request is then not counted either). Otherwise it makes one single-use link, good for 15
minutes, for every active coordinator or admin with that address (one per organization the
address belongs to), stores its SHA-256 digest in ``sign_in_links`` as ``bulkreg
sign-in-link`` does, and returns each user with their link and their organization's name for the
email. Requests older than an hour are deleted as new ones
come. Two requests for one address or from one client take turns (advisory locks), so the
limits hold under concurrency.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"

API = "bulkreg_api"
SAFE = "security definer set search_path = pg_catalog, pg_temp"
PER_ADDRESS = 5
PER_CLIENT = 30
LINK_MINUTES = 15


def _lock(key: str) -> str:
    """A transaction-level lock on the first 8 bytes of a digest."""
    first = f"pg_catalog.encode(pg_catalog.substr({key}, 1, 8), 'hex')"
    return f"pg_catalog.pg_advisory_xact_lock(('x' || {first})::bit(64)::bigint)"


def upgrade() -> None:
    op.execute(
        f"""alter table users
               add column notify_needs_review boolean not null default true,
               add column notify_failed boolean not null default true,
               add column notify_succeeded boolean not null default false;
        grant update (notify_needs_review, notify_failed, notify_succeeded) on users to {API};
        grant select (notify_needs_review, notify_failed, notify_succeeded)
            on users to bulkreg_maintenance;

        create table sign_in_requests (
               id bigint generated always as identity primary key,
               address_key bytea not null,
               client_key bytea not null,
               requested_at timestamptz not null default now());
        create index sign_in_requests_address on sign_in_requests (address_key, requested_at);
        create index sign_in_requests_client on sign_in_requests (client_key, requested_at);
        create index sign_in_requests_age on sign_in_requests (requested_at);
        alter table sign_in_requests enable row level security;
        alter table sign_in_requests force row level security;
        create policy provision on sign_in_requests to bulkreg_owner
            using (true) with check (true);

        create function app.request_sign_in_links(p_email text, p_address_key bytea,
                p_client_key bytea)
            returns table (user_id uuid, org_id uuid, role text, link text, organization text)
            language plpgsql volatile {SAFE} as $$
            #variable_conflict use_column
            declare
                v_since timestamptz := pg_catalog.now() - interval '1 hour';
                v_link text;
                v_user record;
            begin
                perform {_lock("p_address_key")};
                perform {_lock("p_client_key")};
                delete from public.sign_in_requests r where r.requested_at < v_since;
                if (select pg_catalog.count(*) from public.sign_in_requests r
                        where r.address_key = p_address_key and r.requested_at >= v_since)
                       >= {PER_ADDRESS}
                   or (select pg_catalog.count(*) from public.sign_in_requests r
                        where r.client_key = p_client_key and r.requested_at >= v_since)
                       >= {PER_CLIENT} then
                    return;
                end if;
                insert into public.sign_in_requests (address_key, client_key)
                    values (p_address_key, p_client_key);
                for v_user in
                    select u.id, u.org_id, u.role, o.name
                    from public.users u join public.organizations o on o.id = u.org_id
                    where u.email_key = pg_catalog.lower(p_email) and u.active
                      and u.role in ('coordinator', 'admin')
                    order by u.org_id
                loop
                    v_link := pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(
                        pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                        || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 'base64'),
                        '+/', '-_'), '=');
                    insert into public.sign_in_links (digest, user_id, expires_at)
                        values (pg_catalog.sha256(pg_catalog.convert_to(v_link, 'UTF8')),
                                v_user.id,
                                pg_catalog.now() + interval '{LINK_MINUTES} minutes');
                    user_id := v_user.id;
                    org_id := v_user.org_id;
                    role := v_user.role;
                    link := v_link;
                    organization := v_user.name;
                    return next;
                end loop;
            end
            $$;
        revoke all on function app.request_sign_in_links(text, bytea, bytea) from public;
        grant execute on function app.request_sign_in_links(text, bytea, bytea) to {API};"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop function app.request_sign_in_links(text, bytea, bytea);
        drop table sign_in_requests;
        revoke select (notify_needs_review, notify_failed, notify_succeeded)
            on users from bulkreg_maintenance;
        revoke update (notify_needs_review, notify_failed, notify_succeeded) on users from {API};
        alter table users drop column notify_succeeded, drop column notify_failed,
            drop column notify_needs_review;"""
    )
