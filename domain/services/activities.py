"""Reading activities: staff see their organization's, a peer mentor those they took part
in, whoever registered them."""

from __future__ import annotations

from dataclasses import replace

from domain.errors import Forbidden
from domain.model import Principal, StoredActivity
from domain.ports.activities import ActivityFilter
from domain.ports.common import Page
from domain.ports.units import UnitsOfWork


def list_activities(
    uows: UnitsOfWork, principal: Principal, flt: ActivityFilter, cursor: str | None, limit: int
) -> Page[StoredActivity]:
    """Deleted activities only for staff, who asked for them (``include_deleted``)."""
    if flt.include_deleted and not principal.is_staff:
        raise Forbidden("only coordinators and admins may see deleted activities")
    if not principal.is_staff:
        # The same rule the database enforces: the activities they are the participant of.
        if flt.peer_mentor_id not in (None, principal.user_id):
            return Page([], None)
        flt = replace(flt, peer_mentor_id=principal.user_id)
    with uows(principal) as uow:
        return uow.activities.page(flt, cursor, limit)
