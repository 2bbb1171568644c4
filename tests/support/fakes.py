"""In-memory implementations of the domain's ports, for fast tests without IO."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from domain.errors import LeaseLost
from domain.jobs import BulkJob
from domain.model import (
    STAFF_ROLES,
    Activity,
    Anomaly,
    ExistingActivity,
    JobStatus,
    NewActivity,
    Principal,
    Role,
    StoredActivity,
)
from domain.ports.activities import Activities, ActivityFilter, Screening
from domain.ports.anomalies import Anomalies
from domain.ports.audit import Audit, AuditEntry, AuditFilter, AuditRecord
from domain.ports.common import Page
from domain.ports.jobs import Claim, Claimed, Jobs, Sendable
from domain.ports.maintenance import MaintenanceJobs
from domain.ports.units import (
    ClaimingUnitOfWork,
    MaintenanceUnitOfWork,
    SignInUnitOfWork,
    UnitOfWork,
    UnitsOfWork,
)
from tests.support.fake_events import FakeEvents, FakeRelay, FakeWebhooks
from tests.support.fake_languages import FakeLanguages
from tests.support.fake_store import FakeDirectory, FakeSignIns, Store


class FakeJobs(Jobs):
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, job: BulkJob, idempotency_key: str | None, request_hash: str | None) -> None:
        self.store.jobs[job.id] = copy.deepcopy(job)
        if idempotency_key:
            self.store.keys[(job.submitted_by, idempotency_key)] = (job.id, request_hash)

    def get(self, job_id: UUID) -> BulkJob | None:
        job = self.store.jobs.get(job_id)
        return copy.deepcopy(job) if job else None

    def version(self, job_id: UUID) -> tuple[int, JobStatus] | None:
        job = self.store.jobs.get(job_id)
        return (job.version, job.status) if job else None

    def lock(self, job_id: UUID) -> BulkJob | None:
        return self.get(job_id)

    def lock_claimed(self, job_id: UUID, token: UUID) -> tuple[BulkJob, Screening | None] | None:
        job = self.get(job_id) if self.store.claims.get(job_id) == token else None
        if job is None:
            return None
        # Resolve the items' keys here, as the real store does in its screening statement;
        # the caller then screens the people they name.
        owner = self.store.users.get(job.submitted_by)
        principal = Principal(job.submitted_by, job.org_id, owner.role if owner else Role.ADMIN)
        directory = FakeDirectory(self.store, principal)
        for item in job.items:
            person = directory.person(job.org_id, item.given)
            item.peer_mentor_id = person.id if person else None
        return job, None

    def save(self, job: BulkJob, *, items: bool) -> None:
        job.version += 1
        if job.status is not JobStatus.RUNNING:
            self.store.claims.pop(job.id, None)
        self.store.jobs[job.id] = copy.deepcopy(job)

    def summaries(self, job_ids: Sequence[UUID]) -> dict[UUID, BulkJob]:
        found = {i: self.get(i) for i in job_ids}
        return {i: replace(j, items=[]) for i, j in found.items() if j is not None}

    def page(
        self, org_id: UUID, status: JobStatus | None, cursor: str | None, limit: int
    ) -> Page[BulkJob]:
        jobs = [
            j for j in self.store.jobs.values() if j.org_id == org_id and status in (None, j.status)
        ]
        return Page(jobs[:limit], None)

    def reserve_idempotency_key(
        self, user_id: UUID, key: str
    ) -> tuple[bool, tuple[BulkJob, str] | None]:
        found = self.store.keys.get((user_id, key))
        if not found:
            return True, None
        return True, (copy.deepcopy(self.store.jobs[found[0]]), found[1] or "")


class FakeMaintenanceJobs(MaintenanceJobs):
    def __init__(self, store: Store) -> None:
        self.store = store

    def lease_remaining(self, job_id: UUID) -> float | None:
        return 30.0 if job_id in self.store.claims else None

    def release(self, job_id: UUID, token: UUID) -> bool:
        if self.store.claims.get(job_id) != token:
            return False
        self.store.jobs[job_id].status = JobStatus.QUEUED
        del self.store.claims[job_id]
        return True

    def fail(self, job_id: UUID, code: str, message: str, token: UUID | None = None) -> bool:
        job = self.store.jobs[job_id]
        job.status, job.error_code, job.error_message = JobStatus.FAILED, code, message
        return True

    def stale_queued(self, older_than_seconds: float, limit: int) -> list[Sendable]:
        queued = [j for j in self.store.jobs.values() if j.status is JobStatus.QUEUED]
        return [Sendable(j.id, j.total) for j in queued][:limit]

    def is_queued(self, job_id: UUID) -> bool:
        job = self.store.jobs.get(job_id)
        return job is not None and job.status is JobStatus.QUEUED

    def requeue_abandoned(self) -> list[Sendable]:
        return []  # no worker of the fakes ever dies

    def try_lock(self, name: str) -> bool:
        return True

    def record_anomalies(self) -> int:
        return 0


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


class FakeTransaction:
    """Changes become visible only on commit: a snapshot is restored on rollback."""

    def __init__(self, store: Store, principal: Principal | None) -> None:
        self.store = store
        self.principal = principal or Principal(UUID(int=0), UUID(int=0), Role.ADMIN)
        self.committed = False
        self.outbox: list[UUID] = []

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(replace(self.store, sent=[]))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            sent = self.store.sent
            self.store.__dict__.update(self._snapshot.__dict__)
            self.store.sent = sent
        elif exc is None:
            self.store.sent.extend(self.outbox)

    def commit(self) -> None:
        self.committed = True

    def enqueue_after_commit(self, job: Sendable) -> None:
        self.outbox.append(job.job_id)


class FakeUnitOfWork(FakeTransaction, UnitOfWork):
    def __init__(self, store: Store, principal: Principal | None) -> None:
        super().__init__(store, principal)
        self.directory = FakeDirectory(self.store, self.principal)
        self.jobs = FakeJobs(self.store)
        self.activities = FakeActivities(self.store, self.principal)
        self.anomalies = FakeAnomalies(self.store, self.principal)
        self.audit = FakeAudit(self.store)
        assert self.principal is not None
        self.events = FakeEvents(self.store.outbox, self.principal)
        self.webhooks = FakeWebhooks(self.store.outbox, self.principal)
        self.languages = FakeLanguages(self.store, self.principal)


class FakeMaintenanceUnitOfWork(FakeTransaction, MaintenanceUnitOfWork):
    def __init__(self, store: Store) -> None:
        super().__init__(store, None)
        self.jobs = FakeMaintenanceJobs(self.store)
        self.relay = FakeRelay(self.store.outbox)


class FakeClaimingUnitOfWork(FakeUnitOfWork, ClaimingUnitOfWork):
    """The claim commits as the unit of work opens, before its snapshot is taken; the
    transaction then acts as the submitter if they may still register."""

    def __init__(self, store: Store, job_id: UUID, token: UUID) -> None:
        super().__init__(store, None)
        self.job_id, self.token = job_id, token
        self.claim: Claim | None = None
        self.refused = False  # the server would not act as the submitter

    def __enter__(self) -> Self:
        self.claim = self._claim()
        if self.claim is not None:
            user = self.store.users.get(self.store.jobs[self.job_id].submitted_by)
            if user and user.active and user.role in STAFF_ROLES:
                self.principal = Principal(user.id, user.org_id, user.role)
                self.directory = FakeDirectory(self.store, self.principal)
                self.activities = FakeActivities(self.store, self.principal)
                self.anomalies = FakeAnomalies(self.store, self.principal)
            else:
                self.refused = True
        return super().__enter__()

    def _claim(self) -> Claim | None:
        job = self.store.jobs.get(self.job_id)
        if job is None or job.status is not JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        self.store.claims[self.job_id] = self.token
        return Claim(job.id, job.attempts, self.token)

    def claimed(self) -> Claimed:
        if self.claim is None or self.refused:
            return Claimed(self.claim, None)
        found = self.jobs.lock_claimed(self.job_id, self.token)
        if found is None:
            raise LeaseLost("changed hands")
        return Claimed(self.claim, *found)


class FakeSignInUnitOfWork(FakeTransaction, SignInUnitOfWork):
    def __init__(self, store: Store) -> None:
        super().__init__(store, None)
        self.sign_ins = FakeSignIns(self.store)


class FakeUnitsOfWork(UnitsOfWork):
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def claiming(self, job_id: UUID, token: UUID, lease_seconds: float) -> FakeClaimingUnitOfWork:
        return FakeClaimingUnitOfWork(self.store, job_id, token)

    def __call__(self, principal: Principal) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, principal)

    def maintenance(self) -> FakeMaintenanceUnitOfWork:
        return FakeMaintenanceUnitOfWork(self.store)

    def signing_in(self) -> FakeSignInUnitOfWork:
        return FakeSignInUnitOfWork(self.store)
