"""People by the keys they have: emails, member numbers, identity-provider subjects; jobs
whose participants are named by any of them; single-use sign-in links.

Revision ID: 0013
Revises: 0012

Users
-----
``email`` (unique per organization, compared lower-cased), ``member_number`` (optional,
unique per organization) and ``auth_subject`` (optional, unique: the ``sub`` an identity
provider puts in its tokens). Users made before have no email until an operator gives them
one; nothing else changes for them. The directory's search (``GET /v1/peer-mentors?q=``) is
served by indexes: the words of the name (a ``simple`` text-search vector, matched by
prefix), and the lower-cased email and member number by prefix (``text_pattern_ops``). The
roster is listed by name from an index on (organization, role, name), which also serves
what the index on (organization, role) did.
Organization names are unique: the CLI takes an organization by its name.

Items
-----
An item keeps the key it was given (``given_kind``, ``given_value``; ``given_key`` is what
the worker compares: an email lower-cased) and the person the worker resolved it to
(``peer_mentor_id`` and their ``display_name`` then, null until then and for a key that
names nobody): a poll reads the name with the item instead of joining the directory, which
under row-level security cost a third of the poll. Existing items were all given by id.

Identity providers and sign-in links
------------------------------------
``app.user_for_subject(sub)`` finds the active user an identity provider's token names; the
API's role cannot read the directory before it knows who calls, so the function does that
one lookup for it, returning the id, organization and role that ``app.act_as`` then
verifies as for any token. ``app.redeem_sign_in_link(digest)`` marks a link used and returns
its coordinator, once: a used, expired or unknown link (or one whose user is no longer
active staff) returns nothing. Links are stored as SHA-256 digests; the link itself exists
only in the URL printed to the operator. Both functions are written as 0010 describes and
executable by ``bulkreg_api`` alone.
"""

from alembic import op

revision = "0013"
down_revision = "0012"

API = "bulkreg_api"
APP = "bulkreg_app"
SAFE = "security definer set search_path = pg_catalog, pg_temp"


def upgrade() -> None:
    op.execute(
        """alter table users add column email text check (email !~ '\\s'),
               add column member_number text,
               add column auth_subject text,
               add column email_key text generated always as (lower(email)) stored,
               add column member_key text generated always as (lower(member_number)) stored;
        create unique index users_org_email on users (org_id, email_key);
        create unique index users_org_member_number on users (org_id, member_number);
        create unique index users_auth_subject on users (auth_subject);
        create index users_email_prefix on users (org_id, email_key text_pattern_ops);
        create index users_member_number_prefix on users (org_id, member_key text_pattern_ops);
        create index users_org_role_name on users (org_id, role, display_name, id);
        drop index users_org_role;
        create index users_name_words on users
            using gin (to_tsvector('pg_catalog.simple'::regconfig, display_name));
        create unique index organizations_name on organizations (name);"""
    )
    op.execute(
        f"""alter table bulk_job_items alter column peer_mentor_id drop not null,
               add column given_kind text not null default 'peer_mentor_id'
                   check (given_kind in ('peer_mentor_id', 'email', 'member_number')),
               add column given_value text,
               add column given_key text,
               add column display_name text;
        update bulk_job_items set given_value = peer_mentor_id::text,
                                  given_key = peer_mentor_id::text;
        alter table bulk_job_items alter column given_value set not null,
                                   alter column given_key set not null;
        grant update (peer_mentor_id, display_name) on bulk_job_items to {APP};"""
    )
    op.execute(
        rf"""create table sign_in_links (
               digest bytea primary key,
               user_id uuid not null references users (id),
               expires_at timestamptz not null,
               used_at timestamptz,
               created_at timestamptz not null default now());
        alter table sign_in_links enable row level security;
        alter table sign_in_links force row level security;
        create policy provision on sign_in_links to bulkreg_owner using (true) with check (true);

        create function app.user_for_subject(p_subject text)
            returns table (user_id uuid, org_id uuid, role text)
            language sql stable {SAFE} as $$
            select u.id, u.org_id, u.role from public.users u
            where u.auth_subject = p_subject and u.active
            $$;
        revoke all on function app.user_for_subject(text) from public;
        grant execute on function app.user_for_subject(text) to {API};

        create function app.redeem_sign_in_link(p_digest bytea)
            returns table (user_id uuid, org_id uuid, role text)
            language sql volatile {SAFE} as $$
            update public.sign_in_links l set used_at = pg_catalog.now()
            from public.users u
            where l.digest = p_digest and l.used_at is null
              and l.expires_at > pg_catalog.now()
              and u.id = l.user_id and u.active and u.role in ('coordinator', 'admin')
            returning u.id, u.org_id, u.role
            $$;
        revoke all on function app.redeem_sign_in_link(bytea) from public;
        grant execute on function app.redeem_sign_in_link(bytea) to {API};

        create function app.search_peer_mentors(p_prefix text, p_words text,
                p_active boolean, p_after_name text, p_after_id uuid, p_limit integer)
            returns setof public.users
            language sql stable {SAFE} as $$
            select u.* from public.users u
            where u.org_id = app.current_org_id() and app.is_staff()
              and u.role = 'peer_mentor'
              and (p_active is null or u.active = p_active)
              and (p_prefix is null
                   or (p_words is not null
                       and pg_catalog.to_tsvector('pg_catalog.simple', u.display_name)
                           @@ pg_catalog.to_tsquery('pg_catalog.simple', p_words))
                   or (u.email_key operator(pg_catalog.~>=~) p_prefix
                       and u.email_key operator(pg_catalog.~<~) (p_prefix || U&'\+10FFFF'))
                   or (u.member_key operator(pg_catalog.~>=~) p_prefix
                       and u.member_key operator(pg_catalog.~<~) (p_prefix || U&'\+10FFFF')))
              and (p_after_name is null or (u.display_name, u.id) > (p_after_name, p_after_id))
            order by u.display_name, u.id
            limit p_limit
            $$;
        revoke all on function app.search_peer_mentors(text, text, boolean, text, uuid, integer)
            from public;
        grant execute on function
            app.search_peer_mentors(text, text, boolean, text, uuid, integer) to {APP};"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop function app.search_peer_mentors(text, text, boolean, text, uuid, integer);
        drop function app.redeem_sign_in_link(bytea);
        drop function app.user_for_subject(text);
        drop table sign_in_links;
        revoke update (peer_mentor_id, display_name) on bulk_job_items from {APP};
        delete from bulk_job_items where peer_mentor_id is null;
        alter table bulk_job_items drop column display_name, drop column given_key,
            drop column given_value,
            drop column given_kind,
            alter column peer_mentor_id set not null;
        create index users_org_role on users (org_id, role);
        drop index organizations_name, users_org_role_name, users_name_words;
        alter table users drop column member_key, drop column email_key,
            drop column auth_subject, drop column member_number, drop column email;"""
    )
