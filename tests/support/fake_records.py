"""In-memory records for the use cases' unit tests: activities, anomalies and the audit log
(``tests.support.fakes`` puts them together in its units of work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from domain.model import (
    Activity,
    Anomaly,
    ExistingActivity,
    NewActivity,
    Principal,
    Role,
    StoredActivity,
)
from domain.ports.activities import Activities, ActivityFilter, Screening
from domain.ports.anomalies import Anomalies
from domain.ports.audit import Audit, AuditEntry, AuditFilter, AuditRecord
from domain.ports.common import Page
from tests.support.fake_store import FakeDirectory, Store


class FakeActivities(Activities):
    def __init__(self, store: Store, principal: Principal) -> None:
        self.store, self.principal = store, principal

    def screen(
        self, org_id: UUID, activity_type: str, occurred_on: date, peer_mentor_ids: Sequence[UUID]
    ) -> Screening:
        visible = FakeDirectory(self.store, self.principal).users(peer_mentor_ids)
        ineligible = {
            u: visible.get(u)
            for u in peer_mentor_ids
            if u not in visible
            or not (
                visible[u].role is Role.PEER_MENTOR
                and visible[u].active
                and visible[u].org_id == org_id
            )
        }
        return Screening(
            ineligible, self._duplicates(org_id, activity_type, occurred_on, peer_mentor_ids)
        )

    def _duplicates(
        self, org_id: UUID, activity_type: str, occurred_on: date, peer_mentor_ids: Sequence[UUID]
    ) -> dict[UUID, ExistingActivity]:
        wanted = set(peer_mentor_ids)
        return {
            a.peer_mentor_id: ExistingActivity(
                a.id,
                a.peer_mentor_id,
                a.registered_by,
                a.activity_type,
                a.occurred_on,
                a.created_at,
            )
            for a in self.store.activities.values()
            if a.peer_mentor_id in wanted
            and a.activity_type == activity_type
            and a.occurred_on == occurred_on
            and a.duplicate_of is None
            and a.org_id == org_id
        }

    def add_many(self, activities: Sequence[NewActivity]) -> None:
        now = datetime.now(UTC)
        for a in activities:
            key = (a.peer_mentor_id, a.activity_type, a.occurred_on)
            clash = any(
                (b.peer_mentor_id, b.activity_type, b.occurred_on) == key and b.duplicate_of is None
                for b in self.store.activities.values()
            )
            assert not (clash and a.duplicate_of is None), "the unique index would refuse this"
            self.store.activities[a.id] = Activity(**vars(a), created_at=now)

    def soft_delete(self, activity_ids: Sequence[UUID], by: UUID, reason: str) -> int:
        gone = [i for i in activity_ids if i in self.store.activities]
        for i in gone:
            self.store.deleted[i] = (self.store.activities.pop(i), by, reason)
        return len(gone)

    def soft_delete_of_job(self, job_id: UUID, by: UUID, reason: str) -> int:
        ids = [i for i, a in self.store.activities.items() if a.bulk_job_id == job_id]
        return self.soft_delete(ids, by, reason)

    def get(self, activity_id: UUID) -> Activity | None:
        return self.store.activities.get(activity_id)

    def page(self, flt: ActivityFilter, cursor: str | None, limit: int) -> Page[StoredActivity]:
        items = [
            StoredActivity(**vars(a))
            for a in self.store.activities.values()
            if flt.peer_mentor_id in (None, a.peer_mentor_id)
            and flt.registered_by in (None, a.registered_by)
        ]
        return Page(items[:limit], None)

    def by_ids(self, activity_ids: Sequence[UUID]) -> list[StoredActivity]:
        found = [
            StoredActivity(**vars(self.store.activities[i]))
            for i in activity_ids
            if i in self.store.activities
        ]
        gone = [
            StoredActivity(
                **vars(a), deleted_at=datetime.now(UTC), deleted_by=by, deletion_reason=why
            )
            for a, by, why in (
                self.store.deleted[i] for i in activity_ids if i in self.store.deleted
            )
        ]
        return [a for a in found + gone if a.org_id == self.principal.org_id]


class FakeAnomalies(Anomalies):
    def __init__(self, store: Store, principal: Principal) -> None:
        self.store, self.principal = store, principal

    def _visible(self) -> list[Anomaly]:
        return [a for a in self.store.anomalies.values() if a.org_id == self.principal.org_id]

    def for_job_ahead(self, job_id: UUID) -> Callable[[], list[Anomaly]]:
        return lambda: self.for_job(job_id)

    def for_job(self, job_id: UUID) -> list[Anomaly]:
        return [a for a in self._visible() if a.bulk_job_id == job_id]

    def listing(self, resolved: bool | None) -> list[Anomaly]:
        return [a for a in self._visible() if resolved in (None, a.resolved_at is not None)]

    def lock(self, anomaly_id: UUID) -> Anomaly | None:
        return next((a for a in self._visible() if a.id == anomaly_id), None)

    def resolve(self, anomaly: Anomaly) -> None:
        assert anomaly.resolved_by is not None and anomaly.reason is not None
        self.store.anomalies[anomaly.id] = anomaly
        self.store.resolutions[anomaly.id] = (anomaly.resolved_by, anomaly.reason)

    def open_for_jobs(self, job_ids: Sequence[UUID]) -> set[UUID]:
        wanted = set(job_ids)
        return {
            a.bulk_job_id
            for a in self._visible()
            if a.bulk_job_id is not None and a.bulk_job_id in wanted and a.resolved_at is None
        }


class FakeAudit(Audit):
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, entries: Sequence[AuditEntry]) -> None:
        self.store.audit.extend(entries)

    def page(self, flt: AuditFilter, cursor: str | None, limit: int) -> Page[AuditRecord]:
        found = [
            AuditRecord(n, datetime.now(UTC), e.actor_id, e.action, e.target, e.details)
            for n, e in enumerate(self.store.audit)
            if flt.action in (None, e.action) and flt.actor_id in (None, e.actor_id)
        ]
        return Page(found[::-1][:limit], None)
