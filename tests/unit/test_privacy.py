"""Personal data without IO: the service's own guards (each refusing before the store is
asked to change anything), the refusals the database answers turned into errors, and the
retention loop's batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from domain.model import Principal, Role
from domain.ports.privacy import ALREADY_ERASED, FORBIDDEN, NO_REASON, NOT_FOUND
from domain.services import privacy

ORG = uuid4()
ADMIN = Principal(uuid4(), ORG, Role.ADMIN)
PERSON = uuid4()
NOW = datetime(2026, 3, 1, tzinfo=UTC)


class FakePeople:
    def __init__(self, org: UUID | None = ORG, outcome: str = "Erased person 7f3a0b1c") -> None:
        self.org = org
        self.outcome = outcome
        self.erased: list[tuple[UUID, str]] = []

    def org_of(self, principal: Principal | None, user_id: UUID) -> UUID | None:
        return self.org

    def export(self, principal: Principal | None, user_id: UUID) -> dict[str, Any] | None:
        return {"profile": {"id": str(user_id)}}

    def erase(self, principal: Principal | None, user_id: UUID, reason: str) -> str:
        self.erased.append((user_id, reason))
        return self.outcome


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PEER_MENTOR])
def test_only_admins_export_or_erase(role: Role) -> None:
    people = FakePeople()
    caller = Principal(uuid4(), ORG, role)
    with pytest.raises(Forbidden):
        privacy.export(people, caller, PERSON)
    with pytest.raises(Forbidden):
        privacy.erase(people, caller, PERSON, reason="asked")
    assert people.erased == []


def test_a_person_of_another_organization_is_not_found() -> None:
    people = FakePeople(org=uuid4())
    with pytest.raises(NotFound):
        privacy.export(people, ADMIN, PERSON)
    with pytest.raises(NotFound):
        privacy.erase(people, ADMIN, PERSON, reason="asked")
    assert people.erased == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_an_erasure_needs_a_reason(reason: str) -> None:
    people = FakePeople()
    with pytest.raises(ValidationFailed):
        privacy.erase(people, ADMIN, PERSON, reason=reason)
    assert people.erased == []


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (FORBIDDEN, Forbidden),
        (NOT_FOUND, NotFound),
        (ALREADY_ERASED, InvalidState),
        (NO_REASON, ValidationFailed),
    ],
)
def test_the_databases_refusals_are_the_errors_they_mean(
    outcome: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        privacy.erase(FakePeople(outcome=outcome), ADMIN, PERSON, reason="asked")


def test_an_erasure_answers_the_pseudonym() -> None:
    people = FakePeople()
    assert privacy.erase(people, ADMIN, PERSON, reason="asked") == "Erased person 7f3a0b1c"
    assert people.erased == [(PERSON, "asked")]


class FakeRetention:
    def __init__(self, waiting: dict[str, int]) -> None:
        self.waiting = dict(waiting)
        self.asked: list[tuple[str, datetime, int]] = []

    def expire(self, kind: str, before: datetime, batch: int) -> int:
        self.asked.append((kind, before, batch))
        taken = min(batch, self.waiting.get(kind, 0))
        self.waiting[kind] = self.waiting.get(kind, 0) - taken
        return taken

    def expiring(self, kind: str, before: datetime) -> int:
        return self.waiting.get(kind, 0)


def test_retention_deletes_in_batches_until_a_short_one() -> None:
    store = FakeRetention({"events": 12, "audit_log": 5})
    heard: list[tuple[str, int]] = []
    keep = privacy.RetentionDays(audit_log=100)

    assert privacy.preview(store, keep, clock=lambda: NOW)["events"] == 12
    done = privacy.expire(
        store, keep, batch=5, clock=lambda: NOW, deleted=lambda k, n: heard.append((k, n))
    )

    assert done == dict.fromkeys(privacy.KINDS, 0) | {"events": 12, "audit_log": 5}
    assert heard == [("events", 5), ("events", 5), ("events", 2), ("audit_log", 5)]
    cutoffs = {kind: before for kind, before, _ in store.asked}
    assert cutoffs["events"] == NOW - timedelta(days=30)
    assert cutoffs["sign_in_links"] == NOW - timedelta(days=1)
    assert cutoffs["audit_log"] == NOW - timedelta(days=100)
    assert cutoffs["deleted_activities"] == NOW - timedelta(days=365)
    assert cutoffs["screen_sessions"] == NOW
    assert [k for k, _, _ in store.asked].count("audit_log") == 2  # 5 of 5: one more to see


def test_every_kind_has_plain_words() -> None:
    keep = privacy.RetentionDays()
    assert keep.words("audit_log") == "audit-log entries older than 1825 days"
    assert all(keep.words(kind) for kind in privacy.KINDS)


def test_what_retention_deleted_reaches_metrics() -> None:
    from bulkreg.foundation import metrics

    metrics.RETENTION_DELETED.labels(kind="events").inc(3)
    exposed = metrics.exposition().decode()
    assert 'bulkreg_retention_deleted_total{kind="events"}' in exposed


def test_the_demo_shows_the_operators_three_commands() -> None:
    from bulkreg.cli.privacy import demo_hint

    former: dict[str, Any] = {"active": False, "email": "former@example.org"}
    org = {
        "name": "Sunrise Peer Mentors",
        "peer_mentors": [{"active": True, "email": "kari@example.org"}, former],
    }
    hint = demo_hint({"organizations": [org]})
    where = '--org "Sunrise Peer Mentors" --email former@example.org'
    assert f"bulkreg person export {where}" in hint
    assert f"bulkreg person erase {where} --reason" in hint
    assert "bulkreg retention --dry-run" in hint
    former["email"] = None  # erased: another person is the example
    assert "--email kari@example.org" in demo_hint({"organizations": [org]})
