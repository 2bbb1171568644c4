"""A user's notification choices. As with ``locale``, the API's role may change these columns
of one row only: its own user's (the policy ``own_locale``)."""

from __future__ import annotations

from uuid import UUID

from domain.ports.choices import NotificationChoices
from persistence.wire import Wire, sql

OF = sql(
    """select notify_needs_review, notify_failed, notify_succeeded
       from users where id = :user"""
)
CHOOSE = sql(
    """update users set notify_needs_review = :needs_review, notify_failed = :failed,
              notify_succeeded = :succeeded
       where id = :user returning id"""
)


class SqlChoices:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def of(self, user_id: UUID) -> NotificationChoices | None:
        row = self.wire.first(OF, {"user": user_id})
        if row is None:
            return None
        return NotificationChoices(row.notify_needs_review, row.notify_failed, row.notify_succeeded)

    def choose(self, user_id: UUID, choices: NotificationChoices) -> bool:
        row = self.wire.first(
            CHOOSE,
            {
                "user": user_id,
                "needs_review": choices.needs_review,
                "failed": choices.failed,
                "succeeded": choices.succeeded,
            },
        )
        return row is not None
