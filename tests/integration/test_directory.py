from __future__ import annotations

from uuid import uuid4

from domain.rules import participant_error
from persistence.uow import SqlUnitsOfWork
from tests.support.orgs import Org, yesterday


def test_the_screening_flags_exactly_whom_the_rule_refuses(
    uows: SqlUnitsOfWork, org: Org, other_org: Org
) -> None:
    """The database pre-filters participants; the domain rule names the reason. They agree."""
    candidates = [
        *org.peer_mentors[:3],
        org.inactive,
        org.coordinator.user_id,
        org.admin.user_id,
        other_org.peer_mentors[0],
        uuid4(),
    ]
    with uows(org.coordinator) as uow:
        flagged = uow.activities.screen(org.id, "home_visit", yesterday(), candidates).ineligible
        everyone = uow.directory.users(candidates)
    expected = {c for c in candidates if participant_error(everyone.get(c), org.id)}
    assert set(flagged) == expected
    assert {participant_error(flagged[c], org.id) for c in flagged} == {
        "inactive_participant",
        "not_a_peer_mentor",
        "unknown_participant",
    }
    assert flagged[other_org.peer_mentors[0]] is None  # another organization's: unknown
