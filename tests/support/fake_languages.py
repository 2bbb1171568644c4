"""The fake of a user's language, as the policy ``own_locale`` has it: a user reads and
changes their own pick only."""

from __future__ import annotations

from uuid import UUID

from domain.languages import DEFAULT_LANGUAGE, Language
from domain.model import Principal
from domain.ports.languages import Languages
from tests.support.fake_store import Store


class FakeLanguages(Languages):
    def __init__(self, store: Store, principal: Principal | None) -> None:
        self.store, self.principal = store, principal

    def _own(self, user_id: UUID) -> bool:
        user = self.store.users.get(user_id)
        return (
            user is not None
            and self.principal is not None
            and user.id == self.principal.user_id
            and user.org_id == self.principal.org_id
        )

    def of(self, user_id: UUID) -> tuple[Language | None, Language] | None:
        if not self._own(user_id):
            return None
        org = self.store.users[user_id].org_id
        return self.store.languages.get(user_id), self.store.org_languages.get(
            org, DEFAULT_LANGUAGE
        )

    def pick(self, user_id: UUID, language: Language | None) -> bool:
        if not self._own(user_id):
            return False
        if language is None:
            self.store.languages.pop(user_id, None)
        else:
            self.store.languages[user_id] = language
        return True
