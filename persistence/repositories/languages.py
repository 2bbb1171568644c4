"""A user's language on the screen, and their organization's default. The API's role may
change one column of one row: its own user's ``locale`` (the policy ``own_locale``)."""

from __future__ import annotations

from uuid import UUID

from domain.languages import Language
from persistence.wire import Wire, sql

OF = sql(
    """select u.locale as picked, o.locale as default_locale
       from users u join organizations o on o.id = u.org_id
       where u.id = :user"""
)
PICK = sql("update users set locale = :locale where id = :user returning id")


class SqlLanguages:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def of(self, user_id: UUID) -> tuple[Language | None, Language] | None:
        row = self.wire.first(OF, {"user": user_id})
        if row is None:
            return None
        return (Language(row.picked) if row.picked else None), Language(row.default_locale)

    def pick(self, user_id: UUID, language: Language | None) -> bool:
        row = self.wire.first(PICK, {"user": user_id, "locale": language and language.value})
        return row is not None
