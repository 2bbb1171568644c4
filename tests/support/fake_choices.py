"""The fake of a user's notification choices, as the policy ``own_locale`` has it: a user
reads and changes their own only."""

from __future__ import annotations

from uuid import UUID

from domain.model import Principal
from domain.ports.choices import Choices, NotificationChoices
from tests.support.fake_store import Store


class FakeChoices(Choices):
    def __init__(self, store: Store, principal: Principal | None) -> None:
        self.store, self.principal = store, principal
        self.kept = store.choices

    def _own(self, user_id: UUID) -> bool:
        user = self.store.users.get(user_id)
        return (
            user is not None
            and self.principal is not None
            and user.id == self.principal.user_id
            and user.org_id == self.principal.org_id
        )

    def of(self, user_id: UUID) -> NotificationChoices | None:
        return self.kept.get(user_id, NotificationChoices()) if self._own(user_id) else None

    def choose(self, user_id: UUID, choices: NotificationChoices) -> bool:
        if not self._own(user_id):
            return False
        self.kept[user_id] = choices
        return True
