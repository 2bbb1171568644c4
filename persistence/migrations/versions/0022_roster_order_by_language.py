"""The roster in the caller's language's order.

Revision ID: 0022
Revises: 0021

The roster was listed in bokmål order for everyone. It is now listed in the order of the
caller's language (``users.locale``, else their organization's ``organizations.locale``,
else ``nb`` — the rule the screen follows), which ``app.caller_language()`` says.

``users.name_sort_key_en`` is the name's ICU sort key in English (CLDR ``en``), beside the
bokmål one (``persistence/collation.py``: computed by the application, compared as bytes);
this migration computes it for the existing rows in Python, as 0019 did the bokmål one, then
it is ``not null``, and ``users_org_role_sort_en`` serves the English order as
``users_org_role_sort`` serves the bokmål one.

``app.search_peer_mentors`` takes the language whose order to list in: each language has a
query of its own (a PL/pgSQL branch), ordered by its own key and id, so each is served by
its own index with no sort. The repository passes the caller's language for a first page
and the cursor's language for the next ones (a cursor says which order it was made in), so
a walk goes on in the order it began even if the caller changes language in between.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persistence.collation import keys_of

revision = "0022"
down_revision = "0021"

APP = "bulkreg_app"
SAFE = "security definer set search_path = pg_catalog, pg_temp"
FOLD = "pg_catalog.pg_unicode_fast"
PREFIX = f'(pg_catalog.lower(p_prefix collate {FOLD}) collate pg_catalog."default")'
WORDS = f"pg_catalog.lower(p_words collate {FOLD})"
NAME_WORDS = f"pg_catalog.lower(u.display_name collate {FOLD})"
BEFORE = "text, text, boolean, bytea, uuid, integer"
AFTER = "text, text, boolean, text, bytea, uuid, integer"

# The caller's language, as the screen finds it: theirs, else their organization's, else nb.
CALLER_LANGUAGE = f"""create function app.caller_language() returns text
            language sql stable {SAFE} as $$
            select coalesce(
                (select coalesce(u.locale, o.locale) from public.users u
                 join public.organizations o on o.id = u.org_id
                 where u.id = app.current_user_id()),
                'nb')
            $$;
        revoke all on function app.caller_language() from public;
        grant execute on function app.caller_language() to {APP};"""


def _listing(order: str) -> str:
    """The search, ordered by ``order`` and the id, continuing after (``p_after``, id)."""
    return rf"""select u.* from public.users u
                where u.org_id = app.current_org_id() and app.is_staff()
                  and u.role = 'peer_mentor'
                  and (p_active is null or u.active = p_active)
                  and (p_prefix is null
                       or (p_words is not null
                           and pg_catalog.to_tsvector('pg_catalog.simple', {NAME_WORDS})
                               @@ pg_catalog.to_tsquery('pg_catalog.simple', {WORDS}))
                       or (u.email_key operator(pg_catalog.~>=~) {PREFIX}
                           and u.email_key operator(pg_catalog.~<~) ({PREFIX} || U&'\+10FFFF'))
                       or (u.member_key operator(pg_catalog.~>=~) {PREFIX}
                           and u.member_key operator(pg_catalog.~<~)
                               ({PREFIX} || U&'\+10FFFF')))
                  and (p_after is null or ({order}, u.id) > (p_after, p_after_id))
                order by {order}, u.id
                limit p_limit"""


SEARCH = f"""create function app.search_peer_mentors(p_prefix text, p_words text,
                p_active boolean, p_language text, p_after bytea, p_after_id uuid,
                p_limit integer)
            returns setof public.users
            language plpgsql stable {SAFE} as $$
            begin
                if p_language = 'en' then
                    return query {_listing("u.name_sort_key_en")};
                else
                    return query {_listing("u.name_sort_key")};
                end if;
            end
            $$;
        revoke all on function app.search_peer_mentors({AFTER}) from public;
        grant execute on function app.search_peer_mentors({AFTER}) to {APP};"""

# 0019's search, as it was.
BOKMAL_SEARCH = f"""create function app.search_peer_mentors(p_prefix text, p_words text,
                p_active boolean, p_after bytea, p_after_id uuid, p_limit integer)
            returns setof public.users
            language sql stable {SAFE} as $$
            {_listing("u.name_sort_key")}
            $$;
        revoke all on function app.search_peer_mentors({BEFORE}) from public;
        grant execute on function app.search_peer_mentors({BEFORE}) to {APP};"""


def upgrade() -> None:
    op.execute("alter table users add column name_sort_key_en bytea")
    connection = op.get_bind()
    people = connection.execute(sa.text("select id, display_name from users")).all()
    if people:
        connection.execute(
            sa.text(
                """update users u set name_sort_key_en = k.key
                   from unnest(cast(:ids as uuid[]), cast(:keys as bytea[])) as k(id, key)
                   where u.id = k.id"""
            ),
            {
                "ids": [p.id for p in people],
                "keys": keys_of((p.display_name for p in people), "en"),
            },
        )
    op.execute(
        f"""alter table users alter column name_sort_key_en set not null;
        create index users_org_role_sort_en on users (org_id, role, name_sort_key_en, id);
        {CALLER_LANGUAGE}
        drop function app.search_peer_mentors({BEFORE});
        {SEARCH}"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop function app.search_peer_mentors({AFTER});
        {BOKMAL_SEARCH}
        drop function app.caller_language();
        drop index users_org_role_sort_en;
        alter table users drop column name_sort_key_en;"""
    )
