"""Screen sessions that end: signing out, deactivation and time end them.

Revision ID: 0018
Revises: 0017

The screen's cookie used to be a bearer token: after signing out, the same cookie still
opened the screen and the API for the rest of its twelve hours. A session is now a random
secret in the cookie and its SHA-256 digest here (the database never holds one that works),
with an absolute end (``expires_at``) and an idle end (``last_seen_at`` older than the idle
time the caller passes). Signing out ends it (``ended_at``); so does deactivating its user,
at once; a user who is no longer staff, or no longer active, is refused at its next use
anyway. The API's role reaches the table only through the three definer functions below,
which pin ``search_path`` and qualify every name.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"

API = "bulkreg_api"
OWNER = "bulkreg_owner"
SAFE = "security definer set search_path = pg_catalog, pg_temp"


def upgrade() -> None:
    op.execute(
        f"""create table screen_sessions (
               digest bytea primary key,
               user_id uuid not null references users (id),
               created_at timestamptz not null default now(),
               last_seen_at timestamptz not null default now(),
               expires_at timestamptz not null,
               ended_at timestamptz);
        create index screen_sessions_of_user on screen_sessions (user_id)
            where ended_at is null;
        alter table screen_sessions enable row level security;
        alter table screen_sessions force row level security;
        create policy provision on screen_sessions to {OWNER} using (true) with check (true);

        create function app.open_screen_session(p_digest bytea, p_user uuid,
                p_lifetime_seconds integer) returns boolean
            language sql volatile {SAFE} as $$
            with gone as (
                delete from public.screen_sessions s
                where s.ctid = any (array(
                    select o.ctid from public.screen_sessions o
                    where o.expires_at < pg_catalog.now() - interval '1 day'
                       or o.ended_at < pg_catalog.now() - interval '1 day'
                    limit 100)))
            insert into public.screen_sessions (digest, user_id, expires_at)
            select p_digest, u.id,
                   pg_catalog.now() + pg_catalog.make_interval(secs => p_lifetime_seconds)
            from public.users u
            where u.id = p_user and u.active and u.role in ('coordinator', 'admin')
            returning true
            $$;
        revoke all on function app.open_screen_session(bytea, uuid, integer) from public;
        grant execute on function app.open_screen_session(bytea, uuid, integer) to {API};

        create function app.screen_session(p_digest bytea, p_idle_seconds integer)
            returns table (user_id uuid, org_id uuid, role text)
            language sql volatile {SAFE} as $$
            update public.screen_sessions s set last_seen_at = pg_catalog.now()
            from public.users u
            where s.digest = p_digest and s.ended_at is null
              and s.expires_at > pg_catalog.now()
              and s.last_seen_at
                  > pg_catalog.now() - pg_catalog.make_interval(secs => p_idle_seconds)
              and u.id = s.user_id and u.active and u.role in ('coordinator', 'admin')
            returning u.id, u.org_id, u.role
            $$;
        revoke all on function app.screen_session(bytea, integer) from public;
        grant execute on function app.screen_session(bytea, integer) to {API};

        create function app.end_screen_session(p_digest bytea) returns void
            language sql volatile {SAFE} as $$
            update public.screen_sessions set ended_at = pg_catalog.now()
            where digest = p_digest and ended_at is null
            $$;
        revoke all on function app.end_screen_session(bytea) from public;
        grant execute on function app.end_screen_session(bytea) to {API};

        create function app.end_sessions_of_deactivated() returns trigger
            language plpgsql {SAFE} as $$
            begin
                update public.screen_sessions set ended_at = pg_catalog.now()
                where user_id = new.id and ended_at is null;
                return null;
            end $$;
        revoke all on function app.end_sessions_of_deactivated() from public;
        create trigger users_deactivated_end_their_sessions after update of active on users
            for each row when (old.active and not new.active)
            execute function app.end_sessions_of_deactivated();"""
    )


def downgrade() -> None:
    op.execute(
        """drop trigger users_deactivated_end_their_sessions on users;
        drop function app.end_sessions_of_deactivated();
        drop function app.end_screen_session(bytea);
        drop function app.screen_session(bytea, integer);
        drop function app.open_screen_session(bytea, uuid, integer);
        drop table screen_sessions;"""
    )
