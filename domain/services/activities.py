"""Reading activities: staff see their organization's, a peer mentor those they took part
in, whoever registered them."""

from __future__ import annotations

from dataclasses import replace

from domain.model import Activity, Principal
from domain.ports import ActivityFilter, Page, UnitsOfWork


def list_activities(
    uows: UnitsOfWork, principal: Principal, flt: ActivityFilter, cursor: str | None, limit: int
) -> Page[Activity]:
    if not principal.is_staff:
        # The same rule the database enforces: the activities they are the participant of.
        if flt.peer_mentor_id not in (None, principal.user_id):
            return Page([], None)
        flt = replace(flt, peer_mentor_id=principal.user_id)
    with uows(principal) as uow:
        return uow.activities.page(flt, cursor, limit)
