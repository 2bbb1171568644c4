"""Every letter found, and the roster in bokmål order.

Revision ID: 0019
Revises: 0018

Folding
-------
The embedded PostgreSQL has no ICU and its databases' locale is ``C``, where ``lower()``
folds ASCII only: ``lower('ØYSTEIN')`` is ``Øystein``, and the search for ``ø``, ``å`` or
``æ`` found nobody. The built-in collation ``pg_unicode_fast`` (PostgreSQL 17+) folds all
of Unicode, is the same on every server (no ICU or libc locale involved) and may be used in
an index, so everything the search compares is now folded with it:

* ``users.email_key`` and ``users.member_key`` become ``lower(… collate pg_unicode_fast)``
  (this rewrites the table and rebuilds its indexes; two emails of one organization that
  differ only in the case of a non-ASCII letter would now collide, and the migration would
  stop on the unique index ``users_org_email``);
* the name's words are indexed folded (``users_name_words``);
* ``app.search_peer_mentors`` folds the prefix and the words it is given the same way, so
  both sides of each comparison are folded by the same function.

An item of a job keeps the key it was given, folded when it was submitted
(``bulk_job_items.given_key``); one submitted before this migration with an email whose
non-ASCII capitals were left unfolded is not found when processed again. None existed
(such emails did not match anyone before either).

Order
-----
``users.name_sort_key`` is the name's ICU sort key in bokmål (``persistence/collation.py``
says why it is computed by the application and compared as bytes): the roster is ordered
by (key, id), the keyset cursor carries both, and ``users_org_role_sort`` serves it (it
replaces ``users_org_role_name``, and serves what that served: the organization's users of
a role). The server cannot compute the key, so this migration computes it for the existing
rows, in Python, with the same function the application uses for every name it writes;
then the column is ``not null``: a user written without one is refused rather than listed
out of order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from persistence.collation import keys_of

revision = "0019"
down_revision = "0018"

APP = "bulkreg_app"
SAFE = "security definer set search_path = pg_catalog, pg_temp"
FOLD = "pg_catalog.pg_unicode_fast"


def _search(after: str, order: str, prefix: str, words: str, name_words: str) -> str:
    """``app.search_peer_mentors``, ordered by ``order`` and the id, continuing after
    (``after``, id); ``prefix``, ``words`` and ``name_words`` are what it compares."""
    return rf"""create function app.search_peer_mentors(p_prefix text, p_words text,
                p_active boolean, p_after {after}, p_after_id uuid, p_limit integer)
            returns setof public.users
            language sql stable {SAFE} as $$
            select u.* from public.users u
            where u.org_id = app.current_org_id() and app.is_staff()
              and u.role = 'peer_mentor'
              and (p_active is null or u.active = p_active)
              and (p_prefix is null
                   or (p_words is not null
                       and pg_catalog.to_tsvector('pg_catalog.simple', {name_words})
                           @@ pg_catalog.to_tsquery('pg_catalog.simple', {words}))
                   or (u.email_key operator(pg_catalog.~>=~) {prefix}
                       and u.email_key operator(pg_catalog.~<~) ({prefix} || U&'\+10FFFF'))
                   or (u.member_key operator(pg_catalog.~>=~) {prefix}
                       and u.member_key operator(pg_catalog.~<~) ({prefix} || U&'\+10FFFF')))
              and (p_after is null or ({order}, u.id) > (p_after, p_after_id))
            order by {order}, u.id
            limit p_limit
            $$;
        revoke all on function
            app.search_peer_mentors(text, text, boolean, {after}, uuid, integer) from public;
        grant execute on function
            app.search_peer_mentors(text, text, boolean, {after}, uuid, integer) to {APP};"""


# The search after this migration: what the caller gives is folded as the columns are. The
# folded prefix is labelled with the columns' own collation again: a comparison under
# another collation than its index column's cannot be an index condition, even with
# ``text_pattern_ops``, which ignores collations.
FOLDED_SEARCH = _search(
    after="bytea",
    order="u.name_sort_key",
    prefix=f'(pg_catalog.lower(p_prefix collate {FOLD}) collate pg_catalog."default")',
    words=f"pg_catalog.lower(p_words collate {FOLD})",
    name_words=f"pg_catalog.lower(u.display_name collate {FOLD})",
)


def upgrade() -> None:
    op.execute(
        f"""alter table users
               alter column email_key set expression as (pg_catalog.lower(email collate {FOLD})),
               alter column member_key
                   set expression as (pg_catalog.lower(member_number collate {FOLD}));
        drop index users_name_words;
        create index users_name_words on users using gin (
            to_tsvector('pg_catalog.simple'::regconfig,
                        pg_catalog.lower(display_name collate {FOLD})));
        alter table users add column name_sort_key bytea;"""
    )
    connection = op.get_bind()
    people = connection.execute(sa.text("select id, display_name from users")).all()
    if people:
        connection.execute(
            sa.text(
                """update users u set name_sort_key = k.key
                   from unnest(cast(:ids as uuid[]), cast(:keys as bytea[])) as k(id, key)
                   where u.id = k.id"""
            ),
            {
                "ids": [p.id for p in people],
                "keys": keys_of((p.display_name for p in people), "nb"),
            },
        )
    op.execute(
        f"""alter table users alter column name_sort_key set not null;
        create index users_org_role_sort on users (org_id, role, name_sort_key, id);
        drop index users_org_role_name;
        drop function app.search_peer_mentors(text, text, boolean, text, uuid, integer);
        {FOLDED_SEARCH}"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop function app.search_peer_mentors(text, text, boolean, bytea, uuid, integer);
        {_search("text", "u.display_name", "p_prefix", "p_words", "u.display_name")}
        create index users_org_role_name on users (org_id, role, display_name, id);
        drop index users_org_role_sort;
        alter table users drop column name_sort_key;
        drop index users_name_words;
        create index users_name_words on users
            using gin (to_tsvector('pg_catalog.simple'::regconfig, display_name));
        alter table users alter column email_key set expression as (lower(email)),
            alter column member_key set expression as (lower(member_number));"""
    )
