"""The people and activity types of an organization."""

from __future__ import annotations

import re
from collections.abc import Sequence
from uuid import UUID

from domain.model import Given, KeyKind, Role, UserRecord
from domain.ports.common import Page
from domain.ports.directory import ActivityType, DraftFacts
from persistence import cursors
from persistence.repositories.shared import Row, keyset_page
from persistence.wire import Wire, sql

USER_COLUMNS = "id, org_id, role, display_name, active, email, member_number"
BY_KEY = {
    KeyKind.PEER_MENTOR_ID: "id = cast(:value as uuid)",
    KeyKind.EMAIL: "email_key = lower(:value collate pg_catalog.pg_unicode_fast)",
    KeyKind.MEMBER_NUMBER: "member_number = :value",
}
# The search: a word of the name by its start (the name's text-search vector), or the email
# or member number by its start (their prefix indexes) — through the definer function
# ``app.search_peer_mentors``, which applies the organization and staff rule itself: under
# row-level security, text search and prefix matches (functions PostgreSQL does not know to be
# leakproof) could not use those indexes. The function folds what it is given with the
# collation the indexed columns were folded with (``pg_unicode_fast``: all of Unicode, where
# the database's ``C`` locale folds ASCII only), and lists people in the order of the language
# it is given by their stored sort key in that order (``persistence/collation.py``), then id:
# a first page in the caller's language's (``app.caller_language()``: theirs, else their
# organization's, else bokmål), a next page in the order its cursor was made in.
PEER_MENTORS = sql(
    f"""select {USER_COLUMNS}, o.language,
               case o.language when 'en' then name_sort_key_en else name_sort_key end
                   as sort_key
        from (select coalesce(cast(:language as text), app.caller_language()) as language) o
        cross join lateral app.search_peer_mentors(
            :prefix, :words, :active, o.language, cast(:after_key as bytea),
            cast(:after_id as uuid), :limit)"""
)
WORD = re.compile(r"\w+")


def _user(r: Row) -> UserRecord:
    return UserRecord(
        r.id, r.org_id, Role(r.role), r.display_name, r.active, r.email, r.member_number
    )


def word_prefixes(query: str) -> str | None:
    """Every word of ``query`` as the start of a word of the name (``kari nor`` finds
    "Kari Nordmann"); only word characters reach ``to_tsquery``, which the search function
    folds."""
    words = WORD.findall(query)
    return " & ".join(f"{word}:*" for word in words) if words else None


class SqlDirectory:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def user(self, user_id: UUID) -> UserRecord | None:
        return self.users([user_id]).get(user_id)

    def users(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        if not user_ids:
            return {}
        rows = self.wire.rows(
            sql(f"select {USER_COLUMNS} from users where id = any(cast(:ids as uuid[]))"),
            {"ids": list(user_ids)},
        )
        return {r.id: _user(r) for r in rows}

    def person(self, org_id: UUID, given: Given) -> UserRecord | None:
        row = self.wire.first(
            sql(f"select {USER_COLUMNS} from users where org_id = :org and {BY_KEY[given.kind]}"),
            {"org": org_id, "value": given.value},
        )
        return _user(row) if row else None

    def peer_mentors(
        self, org_id: UUID, query: str | None, active: bool | None, cursor: str | None, limit: int
    ) -> Page[UserRecord]:
        after = cursors.decode_sort_key(cursor) if cursor else None
        rows = self.wire.rows(
            PEER_MENTORS,
            {
                "active": active,
                "prefix": query or None,
                "words": word_prefixes(query) if query else None,
                "after_key": after[0] if after else None,
                "after_id": after[1] if after else None,
                "language": after[2] if after else None,
                "limit": limit + 1,
            },
        )
        page = keyset_page(
            rows,
            limit,
            lambda r: r,
            lambda r: cursors.encode_sort_key(r.sort_key, r.id, r.language),
        )
        return Page([_user(r) for r in page.items], page.next_cursor)

    def activity_types(self, org_id: UUID) -> list[ActivityType]:
        rows = self.wire.rows(
            sql("select code, name, active from activity_types where org_id = :org order by name"),
            {"org": org_id},
        )
        return [ActivityType(r.code, r.name, r.active) for r in rows]

    def draft_facts(self, org_id: UUID, activity_type: str) -> DraftFacts:
        row = self.wire.first(
            sql(
                """select o.timezone, coalesce(t.active, false) as type_is_active
                   from organizations o
                   left join activity_types t on t.org_id = o.id and t.code = :code
                   where o.id = :org"""
            ),
            {"org": org_id, "code": activity_type},
        )
        return DraftFacts(row.timezone, row.type_is_active) if row else DraftFacts("UTC", False)
